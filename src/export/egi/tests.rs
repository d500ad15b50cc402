use super::*;
use crate::pipeline::Stage;
use crate::submission::{Key, Transition};
use time::macros::{date, datetime};

const PRODUCT_FIXTURE: &str =
    include_str!("../../../tests/fixtures/egi/software-releases-product-apel-2.1.0-el9.json");
const DISTRIBUTION_FIXTURE: &str =
    include_str!("../../../tests/fixtures/egi/software-releases-distribution-CMD-OS-1.3.0.json");

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

fn state(dist: &str, product: &str, version: &str, release: &Release) -> State {
    State {
        key: Key {
            dist: dist.into(),
            product: product.into(),
            version: version.into(),
        },
        history: vec![Transition {
            stage: Stage::Released,
            at: datetime!(2024-09-18 10:00 UTC),
            actor: "release-manager".into(),
        }],
        release: Some(release.clone()),
        ..State::default()
    }
}

fn release(targets: Vec<ReleaseTarget>) -> Release {
    Release {
        tag: "v1.2.3".into(),
        provider: "Example Org".into(),
        description: "A product.".into(),
        contact: "support@example.org".into(),
        technical_contact: "lead@example.org".into(),
        release_notes_url: Some("https://example.org/notes/1.2.3".into()),
        documentation: vec!["https://example.org/docs".into()],
        capabilities: vec!["Accounting".into()],
        notes: "- fixed a bug".into(),
        targets,
        ..Release::default()
    }
}

fn target(id: &str, arch: &str, packages: &[&str]) -> ReleaseTarget {
    ReleaseTarget {
        id: id.into(),
        name: id.into(),
        arch: arch.into(),
        repository: None,
        packages: packages.iter().map(|p| p.to_string()).collect(),
    }
}

fn assert_same_shape(reference: &Value, ours: &Value) {
    let differences = shape_differences(reference, ours);
    assert!(
        differences.is_empty(),
        "shape differs from the published record:\n  {}\nreference shape:\n{}\nour shape:\n{}",
        differences.join("\n  "),
        serde_json::to_string_pretty(&shape(reference)).unwrap(),
        serde_json::to_string_pretty(&shape(ours)).unwrap(),
    );
}

#[test]
fn html_escape_escapes_what_htmlspecialchars_did() {
    assert_eq!(
        html_escape(r#"<a href="x">R&D</a> it's"#),
        "&lt;a href=&quot;x&quot;&gt;R&amp;D&lt;/a&gt; it's"
    );
    assert_eq!(html_escape("plain"), "plain");
}

#[test]
fn text_to_html_breaks_lines() {
    assert_eq!(text_to_html("a <b>\r\nc\nd"), "a &lt;b&gt;<br>c<br>d");
}

#[test]
fn version_parts_read_semver_and_tolerate_the_rest() {
    assert_eq!(version_parts("2.1.0"), [2, 1, 0]);
    assert_eq!(version_parts("v0.12.0"), [0, 12, 0]);
    assert_eq!(version_parts("2.1.0-1"), [2, 1, 0]);
    assert_eq!(version_parts("15.03"), [15, 3, 0]);
    assert_eq!(version_parts("7.1.1rc2"), [7, 1, 1]);
    assert_eq!(version_parts("latest"), [0, 0, 0]);
}

#[test]
fn names_follow_the_published_records() {
    assert_eq!(provider_short_name("infoprovider"), "INFOPROVIDER");
    assert_eq!(provider_short_name("Cern Frontier"), "CERNFRONTIER");
    assert_eq!(record_name("APEL", "apel-ssm"), "apel.apel-ssm");
    assert_eq!(record_name("IFCA", "cASO"), "ifca.caso");
    assert_eq!(record_name("EGI", "my product"), "egi.my_product");
}

#[test]
fn one_documentation_link_is_encoded_as_published() {
    let published = fixture(DISTRIBUTION_FIXTURE);
    for product in published["products"].as_array().unwrap() {
        let encoded = product["documentationLinks"].as_str().unwrap();
        let decoded: Value = serde_json::from_str(encoded).unwrap();
        let link = decoded["documentationLink"]["link"].as_str().unwrap();
        assert_eq!(documentation_links(&[link]), encoded);
    }
}

#[test]
fn several_or_no_documentation_links() {
    assert_eq!(
        documentation_links(&["https://a.org/x", "https://b.org/"]),
        r#"{"documentationLink":[{"link":"https:\/\/a.org\/x","type":"other"},{"link":"https:\/\/b.org\/","type":"other"}]}"#
    );
    assert_eq!(documentation_links::<&str>(&[]), "{}");
}

#[test]
fn php_json_encode_escapes_slashes_and_non_ascii() {
    assert_eq!(
        php_json_encode(&json!({"a": "x/y \\/ é 😀 \"q\"\n"})),
        r#"{"a":"x\/y \\\/ \u00e9 \ud83d\ude00 \"q\"\n"}"#
    );
    let round_trip: Value =
        serde_json::from_str(&php_json_encode(&json!({"a": "x/y é 😀"}))).unwrap();
    assert_eq!(round_trip, json!({"a": "x/y é 😀"}));
}

#[test]
fn shape_maps_values_to_types() {
    assert_eq!(
        shape(&json!({"a": [1, "x"], "b": null, "c": {"d": 1.5, "e": true}, "f": []})),
        json!({"a": ["integer"], "b": "null", "c": {"d": "float", "e": "bool"}, "f": []})
    );
}

#[test]
fn shape_differences_name_paths() {
    let reference = json!({"a": "1", "b": [{"c": 1}], "d": null, "e": []});
    let ours = json!({"a": 1, "b": [{"c": 1, "x": 2}], "e": ["y"], "z": true});
    assert_eq!(
        shape_differences(&reference, &ours),
        vec![
            "$.a: expected string, got integer",
            "$.b[0].x: not in the reference (integer)",
            "$.d: missing (expected null)",
            "$.z: not in the reference (bool)",
        ]
    );
    assert!(shape_differences(&reference, &reference).is_empty());
}

#[test]
fn known_gpgkey_of_umd_5_is_the_published_one() {
    let umd5 = Policy::builtin("umd-5").unwrap();
    let published = fixture(PRODUCT_FIXTURE);
    assert_eq!(
        known_gpgkey(&umd5),
        published["target"][0]["gpgkey"].as_str()
    );
    assert_eq!(known_gpgkey(&Policy::builtin("cmd-os-1").unwrap()), None);
}

#[test]
fn product_file_has_the_published_shape_and_policy_repositories() {
    let policy = Policy::builtin("umd-5").unwrap();
    let release = release(vec![target(
        "al9",
        "x86_64",
        &["https://example.org/p-1.2.3-1.el9.noarch.rpm"],
    )]);
    let state = state("umd-5", "example", "1.2.3", &release);
    let input = ProductInput {
        state: &state,
        release: &release,
        policy: &policy,
        distribution_version: "5.0.0",
        release_date: date!(2024 - 09 - 18),
        current_state: "Production",
        gpgkey: "",
    };
    let ours = pipeline_json(&input, &release.targets[0]).unwrap();
    assert_same_shape(&fixture(PRODUCT_FIXTURE), &ours);
    assert_eq!(ours["majorVersion"], "1");
    assert_eq!(ours["revisionVersion"], "3");
    assert_eq!(ours["releaseDate"], "2024-09-18");
    assert_eq!(ours["releaseNotes"], "https://example.org/notes/1.2.3");
    assert_eq!(ours["changeLog"], "- fixed a bug");
    assert_eq!(ours["extraOSRepos"], json!([]));
    assert_eq!(ours["dummy"], DUMMY);
    assert_eq!(ours["target"][0]["gpgkey"], "");
    // No repository in the release: the policy target's.
    assert_eq!(
        ours["target"][0]["repositoryURL"],
        "sw/production/umd/5/al9/release/x86_64"
    );
    assert_eq!(ours["repositoryURL"], ours["target"][0]["repositoryURL"]);
}

#[test]
fn deb_targets_list_their_packages_under_rpms() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let mut xenial = target(
        "xenial",
        "amd64",
        &["https://example.org/p_1.2.3-1~xenial_all.deb"],
    );
    xenial.repository = Some("sw/production/cmd-os/1/xenial/custom".into());
    let release = release(vec![xenial]);
    let state = state("cmd-os-1", "example", "1.2.3", &release);
    let ours = pipeline_json(
        &ProductInput {
            state: &state,
            release: &release,
            policy: &policy,
            distribution_version: "1.3.0",
            release_date: date!(2020 - 02 - 18),
            current_state: "Production",
            gpgkey: "",
        },
        &release.targets[0],
    )
    .unwrap();
    assert_eq!(
        ours["target"][0]["rpms"],
        json!(["https://example.org/p_1.2.3-1~xenial_all.deb"])
    );
    // EGI's names from the policy, not our target id nor the package's arch;
    // the recorded repository (our old path) gives way to EGI's.
    assert_eq!(ours["target"][0]["platform"], "ubuntu-xenial");
    assert_eq!(ours["target"][0]["arch"], "amd64");
    assert_eq!(
        ours["target"][0]["repositoryURL"],
        "sw/production/cmd-os/1/ubuntu/dists/xenial-updates/main/binary-amd64"
    );
    assert_eq!(ours["distributionType"], "CMD-OS");
}

#[test]
fn release_notes_and_changelog_fall_back() {
    let mut r = release(vec![]);
    r.release_notes_url = Some("javascript:alert(1)".into());
    assert_eq!(release_notes(&r), "- fixed a bug");
    r.notes.clear();
    assert_eq!(release_notes(&r), NOT_AVAILABLE);
    assert_eq!(change_log(&r), NOT_AVAILABLE);
    r.release_notes_url = Some(" https://example.org/n ".into());
    // A release notes link is no changelog: the published records say N/A.
    assert_eq!(release_notes(&r), "https://example.org/n");
    assert_eq!(change_log(&r), NOT_AVAILABLE);
    r.documentation = vec!["javascript:alert(1)".into(), "HTTPS://x.org".into()];
    assert_eq!(web_links(&r.documentation), vec!["HTTPS://x.org"]);
}

#[test]
fn distribution_record_has_the_published_shape() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let release = release(vec![target("centos7", "x86_64", &["p.rpm"])]);
    let state = state("cmd-os-1", "example", "1.2.3", &release);
    let product = ProductInput {
        state: &state,
        release: &release,
        policy: &policy,
        distribution_version: "1.3.0",
        release_date: date!(2020 - 02 - 18),
        current_state: "Production",
        gpgkey: "",
    };
    let ours = distribution_json(&DistributionInput {
        policy: &policy,
        version: "1.3.0",
        date: datetime!(2020-02-18 11:34:44 UTC),
        created: datetime!(2020-02-17 17:03:23 UTC),
        description: "d",
        release_notes_html: "<ul><li>x</li></ul>",
        installation_notes: "i",
        contact: "c",
        technical_contact: "t",
        known_issues: "k",
        change_log: "l",
        additional_details: "https://example.org/details",
        products: vec![product.clone(), product],
        id: 7,
    });
    let published = fixture(DISTRIBUTION_FIXTURE);
    assert_same_shape(&published, &ours);
    // The fixture's first product has no targets: compare its one with a target too.
    assert_same_shape(&published["products"][1], &ours["products"][0]);
    assert_eq!(ours["products"][1]["id"], 2);
    assert_eq!(ours["products"][1]["targets"][0]["id"], 2);
    assert_eq!(ours["products"][1]["targets"][0]["productId"], 2);
    assert_eq!(ours["products"][0]["capability"], "Accounting");
    assert_eq!(
        ours["releaseNotes"],
        "&lt;ul&gt;&lt;li&gt;x&lt;/li&gt;&lt;/ul&gt;"
    );
    assert_eq!(ours["releaseDate"], "2020-02-18 11:34:44");
    assert_eq!(ours["created"], "2020-02-17 17:03:23");
}

#[test]
fn no_capability_is_null() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let mut release = release(vec![]);
    release.capabilities.clear();
    let state = state("cmd-os-1", "example", "1.2.3", &release);
    let ours = distribution_json(&DistributionInput {
        policy: &policy,
        version: "1.3.0",
        date: datetime!(2020-02-18 11:34:44 UTC),
        created: datetime!(2020-02-17 17:03:23 UTC),
        description: "",
        release_notes_html: "",
        installation_notes: "",
        contact: "",
        technical_contact: "",
        known_issues: "",
        change_log: "",
        additional_details: "",
        products: vec![ProductInput {
            state: &state,
            release: &release,
            policy: &policy,
            distribution_version: "1.3.0",
            release_date: date!(2020 - 02 - 18),
            current_state: "Production",
            gpgkey: "",
        }],
        id: 1,
    });
    assert_eq!(ours["products"][0]["capability"], Value::Null);
    assert_eq!(ours["products"][0]["capabilities"], json!([]));
}
