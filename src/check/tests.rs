use super::card::is_site_name;
use super::targets::has_marker;
use super::versions::release_number;

#[test]
fn markers_match_as_tokens() {
    assert!(has_marker("1.el7", "el7"));
    assert!(has_marker("1.el7_9", "el7"));
    assert!(has_marker("1.el7.centos", "el7"));
    assert!(!has_marker("1.el70", "el7"));
    assert!(!has_marker("1.xel7", "el7"));
    assert!(has_marker("1~xenial", "xenial"));
    assert!(has_marker("0ubuntu16.04.1", "ubuntu16.04"));
    assert!(!has_marker("1", "el7"));
}

#[test]
fn release_numbers_drop_the_dist() {
    assert_eq!(release_number("1.el9"), "1");
    assert_eq!(release_number("12~xenial"), "12");
    assert_eq!(release_number(""), "");
}

#[test]
fn site_names() {
    assert!(is_site_name("NGI_IT-INFN-CNAF"));
    assert!(is_site_name("NGI_DE-FZK-LCG2"));
    assert!(!is_site_name("INFN CNAF"));
    assert!(!is_site_name("CNAF"));
    assert!(!is_site_name("-CNAF"));
}
