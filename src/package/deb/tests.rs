use super::*;

#[test]
fn versions() {
    assert_eq!(split_version("1:2.3.4-5"), Ok((Some(1), "2.3.4", "5")));
    assert_eq!(split_version("2.3.4"), Ok((None, "2.3.4", "")));
    assert_eq!(
        split_version("1.0-beta-2ubuntu1"),
        Ok((None, "1.0-beta", "2ubuntu1"))
    );
    assert_eq!(split_version("2:1:0-1"), Ok((Some(2), "1:0", "1")));
    assert!(split_version("x:1.0").is_err());
    assert!(split_version("-1").is_err());
}

#[test]
fn paths() {
    assert_eq!(package_path(b"./"), "/");
    assert_eq!(package_path(b"."), "/");
    assert_eq!(package_path(b"./usr/bin/x"), "/usr/bin/x");
    assert_eq!(package_path(b"usr/share/"), "/usr/share");
    assert_eq!(package_path(b"./.hidden"), "/.hidden");
    assert_eq!(package_path(b"control"), "/control");
}
