//! EGI's JSON release records (`umd_release::export::egi`) against records EGI
//! published (`tests/fixtures/egi/`, from egi-qc/software-releases): the same
//! fields at every level, the same nesting, the same JSON types, and the same
//! values wherever our data gives them.

use serde_json::{Value, json};
use time::macros::{date, datetime};
use umd_release::export::egi::{
    DUMMY, DistributionInput, ProductInput, distribution_json, html_escape, known_gpgkey,
    pipeline_json, shape, shape_differences,
};
use umd_release::pipeline::Stage;
use umd_release::policy::Policy;
use umd_release::submission::{Key, Release, ReleaseTarget, State, Transition};

const PRODUCT_FIXTURE: &str =
    include_str!("fixtures/egi/software-releases-product-apel-2.1.0-el9.json");
const DISTRIBUTION_FIXTURE: &str =
    include_str!("fixtures/egi/software-releases-distribution-CMD-OS-1.3.0.json");

const APEL_RPMS: [&str; 7] = [
    "https://github.com/apel/apel/releases/download/2.1.0-1/apel-client-2.1.0-1.el9.noarch.rpm",
    "https://github.com/apel/apel/releases/download/2.1.0-1/apel-lib-2.1.0-1.el9.noarch.rpm",
    "https://github.com/apel/ssm/releases/download/3.4.1-1/apel-ssm-3.4.1-1.el9.noarch.rpm",
    "https://github.com/apel/ssm/releases/download/3.4.1-1/apel-ssm-service-3.4.1-1.el9.noarch.rpm",
    "https://github.com/apel/apel/releases/download/2.1.0-1/apeldbloader-service-2.1.0-1.el9.noarch.rpm",
    "https://github.com/apel/apel/releases/download/2.1.0-1/apel-server-2.1.0-1.el9.noarch.rpm",
    "https://github.com/apel/apel/releases/download/2.1.0-1/apel-parsers-2.1.0-1.el9.noarch.rpm",
];

const XSS: &str = r#"<script>alert(1)</script><img src=x onerror="alert(2)">"#;

fn published(text: &str) -> Value {
    serde_json::from_str(text).expect("fixture is JSON")
}

fn text<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string"))
}

/// What a page does once with a published text before showing it as HTML.
fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Same fields at every level, same nesting, same JSON types; on failure, the
/// differences by path and both shapes.
fn assert_same_shape(reference: &Value, ours: &Value) {
    let differences = shape_differences(reference, ours);
    assert!(
        differences.is_empty(),
        "our record's shape differs from the published one:\n  {}\n\npublished shape:\n{}\n\nour shape:\n{}",
        differences.join("\n  "),
        serde_json::to_string_pretty(&shape(reference)).unwrap(),
        serde_json::to_string_pretty(&shape(ours)).unwrap(),
    );
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
            at: datetime!(2024-09-18 09:00 UTC),
            actor: "release-manager".into(),
        }],
        release: Some(release.clone()),
        ..State::default()
    }
}

/// APEL 2.1.0 for UMD 5 on AlmaLinux 9, as its Product ID Card and packages give it.
fn apel_2_1_0() -> Release {
    let fixture = published(PRODUCT_FIXTURE);
    Release {
        tag: "2.1.0-1".into(),
        provider: "APEL".into(),
        description: text(&fixture, "description").into(),
        contact: "apel-admins@stfcNOSPAMPLEASE.ac.uk".into(),
        technical_contact: "apel-admins@stfcNOSPAMPLEASE.ac.uk".into(),
        release_notes_url: Some("https://github.com/apel/apel/releases/tag/2.1.0-1".into()),
        documentation: vec!["https://twiki.cern.ch/twiki/bin/view/EMI/EMI3APELClient".into()],
        capabilities: vec!["Accounting".into()],
        notes: "### Changed\n- Python 3 on EL9".into(),
        targets: vec![ReleaseTarget {
            id: "al9".into(),
            name: "AlmaLinux 9".into(),
            arch: "x86_64".into(),
            // From the policy: sw/production/umd/5/al9/release/x86_64.
            repository: None,
            packages: APEL_RPMS.iter().map(|p| p.to_string()).collect(),
        }],
        ..Release::default()
    }
}

fn apel_product(policy: &Policy) -> Value {
    let release = apel_2_1_0();
    let state = state("umd-5", "apel", "2.1.0", &release);
    pipeline_json(
        &ProductInput {
            state: &state,
            release: &release,
            policy,
            distribution_version: "5.0.0",
            release_date: date!(2024 - 09 - 18),
            current_state: "Production",
            gpgkey: known_gpgkey(policy).unwrap_or_default(),
        },
        &release.targets[0],
    )
    .unwrap()
}

#[test]
fn apel_product_file_has_the_published_shape() {
    let ours = apel_product(&Policy::builtin("umd-5").unwrap());
    assert_same_shape(&published(PRODUCT_FIXTURE), &ours);
}

#[test]
fn apel_product_file_has_the_published_values() {
    let policy = Policy::builtin("umd-5").unwrap();
    let ours = apel_product(&policy);
    let fixture = published(PRODUCT_FIXTURE);
    for field in [
        "name",
        "version",
        "currentState",
        "technology_provider",
        "contact",
        "technicalContact",
        "description",
        "releaseDate",
        "majorVersion",
        "minorVersion",
        "revisionVersion",
        "releaseNotes",
        "repositoryURL",
        "distributionType",
        "distributionVersion",
        "capabilities",
        // platform, arch, repositoryURL, gpgkey and the 7 rpm URLs, in order.
        "target",
        "softwareConfigurationLink",
        "dummy",
    ] {
        assert_eq!(ours[field], fixture[field], "field {field}");
    }
    // UMD 5's al9 repository in our policy is the published one.
    assert_eq!(
        policy.targets[0].repository.as_deref(),
        fixture["repositoryURL"].as_str()
    );
    // The fixture's second link is the template's placeholder, "link2".
    assert_eq!(
        ours["documentationLinks"],
        json!([fixture["documentationLinks"][0]])
    );
    // Not in our data: the changelog URL (ours is the changelog section) and
    // the extra OS repositories (the fixture's "crb").
    assert_eq!(ours["changeLog"], "### Changed\n- Python 3 on EL9");
    assert_eq!(ours["extraOSRepos"], json!([]));
    assert_eq!(ours["dummy"], DUMMY);
}

#[test]
fn apel_product_file_snapshot() {
    insta::assert_json_snapshot!(
        "apel_product_file",
        apel_product(&Policy::builtin("umd-5").unwrap())
    );
}

/// The four products of CMD-OS 1.3.0, as their submissions record them.
fn cmd_os_1_3_0_products() -> Vec<(State, Release)> {
    let fixture = published(DISTRIBUTION_FIXTURE);
    let product = |i: usize| fixture["products"][i].clone();
    let release = |i: usize, provider: &str, docs: &str, capability: &str| Release {
        tag: text(&product(i), "version").into(),
        provider: provider.into(),
        description: text(&product(i), "description").into(),
        contact: text(&product(i), "contact").into(),
        technical_contact: text(&product(i), "technicalContact").into(),
        documentation: vec![docs.into()],
        capabilities: vec![capability.into()],
        ..Release::default()
    };
    let mut ssm = release(0, "APEL", "https://wiki.egi.eu/wiki/APEL/SSM", "Accounting");
    ssm.notes = text(&product(0), "releaseNotes").into();
    let mut apel = release(
        1,
        "APEL",
        "https://twiki.cern.ch/twiki/bin/view/EMI/EMI3APELClient",
        "Accounting",
    );
    apel.release_notes_url = Some("https://github.com/apel/apel/releases/tag/1.8.1-1".into());
    apel.targets = vec![ReleaseTarget {
        id: "centos7".into(),
        name: "CentOS 7".into(),
        arch: "x86_64".into(),
        // From the policy: sw/production/cmd-os/1/centos7/x86_64.
        repository: None,
        packages: vec!["apel-client-1.8.1-1.el7.noarch.rpm".into()],
    }];
    let mut caso = release(
        2,
        "IFCA",
        "https://caso.readthedocs.io/en/latest/",
        "Client Tools",
    );
    caso.release_notes_url =
        Some("https://appdb.egi.eu/store/software/caso/releases/1.x/1.4.0/".into());
    let mut cip = release(
        3,
        "infoprovider",
        "https://github.com/EGI-Foundation/cloud-info-provider",
        "Client Tools",
    );
    cip.release_notes_url =
        Some("https://github.com/EGI-Foundation/cloud-info-provider/releases/tag/0.12.0".into());
    [
        ("apel-ssm", "2.3.0", ssm),
        ("apel", "1.8.1", apel),
        ("caso", "1.4.0", caso),
        ("cloud-info-provider", "0.12.0", cip),
    ]
    .into_iter()
    .map(|(product, version, release)| (state("cmd-os-1", product, version, &release), release))
    .collect()
}

fn cmd_os_1_3_0(policy: &Policy, products: &[(State, Release)]) -> Value {
    let fixture = published(DISTRIBUTION_FIXTURE);
    // The HTML we would have generated: the published text unescaped once.
    let release_notes_html = html_unescape(text(&fixture, "releaseNotes"));
    distribution_json(&DistributionInput {
        policy,
        version: "1.3.0",
        date: datetime!(2020-02-18 11:34:44 UTC),
        created: datetime!(2020-02-17 17:03:23 UTC),
        description: text(&fixture, "description"),
        release_notes_html: &release_notes_html,
        installation_notes: text(&fixture, "installationNotes"),
        contact: text(&fixture, "contact"),
        technical_contact: "For any bugs and issues you encounter that are not described in the release notes of this release, or the related documentation provided by the Technology Providers, please visit the EGI Helpdesk (https://ggus.eu/) to make a report.",
        known_issues: "Please visit https://wiki.egi.eu/wiki/CMD-OS-1:CMD-OS-1.3.0 for known issues.\n",
        change_log: text(&fixture, "changeLog"),
        additional_details: "https://wiki.egi.eu/wiki/CMD-OS-1:CMD-OS-1.3.0",
        products: products
            .iter()
            .map(|(state, release)| ProductInput {
                state,
                release,
                policy,
                distribution_version: "1.3.0",
                release_date: date!(2020 - 02 - 18),
                current_state: "Production",
                gpgkey: "",
            })
            .collect(),
        id: 125,
    })
}

#[test]
fn cmd_os_distribution_record_has_the_published_shape() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let ours = cmd_os_1_3_0(&policy, &cmd_os_1_3_0_products());
    let fixture = published(DISTRIBUTION_FIXTURE);
    assert_same_shape(&fixture, &ours);
    // `shape` looks at an array's first element only: compare every product,
    // so that APEL's target is compared too.
    assert_eq!(ours["products"].as_array().unwrap().len(), 4);
    for i in 0..4 {
        assert_same_shape(&fixture["products"][i], &ours["products"][i]);
    }
    assert_same_shape(
        &fixture["products"][1]["targets"][0],
        &ours["products"][1]["targets"][0],
    );
}

#[test]
fn cmd_os_distribution_record_has_the_published_values() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let ours = cmd_os_1_3_0(&policy, &cmd_os_1_3_0_products());
    let fixture = published(DISTRIBUTION_FIXTURE);
    for field in [
        "id",
        "distributionType",
        "distributionVersion",
        "currentState",
        "majorVersion",
        "minorVersion",
        "revisionVersion",
        "releaseDate",
        "created",
        "description",
        "repositoryURL",
        // Our HTML escaped once gives back the published text, byte for byte.
        "releaseNotes",
        "additionalDetails",
        "installationNotes",
        "contact",
        // A line break becomes the published `&lt;br&gt;`.
        "knownIssues",
        "changeLog",
    ] {
        assert_eq!(ours[field], fixture[field], "field {field}");
    }
    // Published 25 seconds after the release date; ours is the release date.
    assert_eq!(ours["lastUpdated"], "2020-02-18 11:34:44");
    // The published one starts with an `&amp;nbsp;` that plain text cannot give.
    assert_eq!(
        text(&ours, "technicalContact"),
        text(&fixture, "technicalContact").trim_start_matches("&amp;nbsp;")
    );

    for i in 0..4 {
        let (ours, fixture) = (&ours["products"][i], &fixture["products"][i]);
        for field in [
            "name",
            "version",
            "majorVersion",
            "minorVersion",
            "revisionVersion",
            "distributionType",
            "distributionVersion",
            "description",
            "currentState",
            "contact",
            "technicalContact",
            "repositoryURL",
            "technologyProvider",
            "technologyProviderShortName",
            "releaseDate",
            "lastUpdated",
            "releaseNotes",
            "knownIssues",
            "additionalDetails",
            "installationNotes",
            "keywords",
            "apicallback",
            // The JSON-encoded string, PHP's `\/` included, byte for byte.
            "documentationLinks",
            "capabilities",
            "capability",
            "softwareConfigurationLink",
            "distributionId",
            "status",
        ] {
            assert_eq!(ours[field], fixture[field], "products[{i}].{field}");
        }
        // EGI's database ids do not exist here: ours are positions.
        assert_eq!(ours["id"], json!(i + 1));
        assert_eq!(ours["productId"], json!(i + 1));
    }
    // productName is the submission's product (the published one is "cASO").
    assert_eq!(ours["products"][2]["productName"], "caso");
    assert_eq!(ours["products"][0]["productName"], "apel-ssm");

    let (ours, fixture) = (
        &ours["products"][1]["targets"][0],
        &fixture["products"][1]["targets"][0],
    );
    for field in ["platform", "arch", "gpgkey", "rpms", "status"] {
        assert_eq!(ours[field], fixture[field], "apel target {field}");
    }
    // The policy's EGI naming gives the published updates repository.
    assert_eq!(ours["repositoryURL"], fixture["repositoryURL"]);
    assert_eq!(
        ours["repositoryURL"],
        "sw/production/cmd-os/1/centos7/x86_64/updates"
    );
    assert_eq!(ours["id"], 1);
    assert_eq!(ours["productId"], 2);
}

#[test]
fn cmd_os_distribution_record_snapshot() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    insta::assert_json_snapshot!(
        "cmd_os_1_3_0_distribution_record",
        cmd_os_1_3_0(&policy, &cmd_os_1_3_0_products())
    );
}

/// Every string in a value, with its path.
fn strings(value: &Value, path: String, out: &mut Vec<(String, String)>) {
    match value {
        Value::String(s) => out.push((path, s.clone())),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, format!("{path}[{i}]"), out);
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                strings(v, format!("{path}.{k}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn untrusted_texts_come_out_escaped_in_the_html_fields() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let mut products = cmd_os_1_3_0_products();
    {
        let release = &mut products[0].1;
        release.notes = format!("- fixed {XSS}");
        release.description = format!("SSM {XSS}");
        release.provider = format!("APEL{XSS}");
        release.contact = format!("a@b.c{XSS}");
        release.capabilities = vec![format!("Accounting{XSS}")];
        release.documentation = vec![
            format!("https://x.org/\"><script>alert(3)</script>"),
            "javascript:alert(4)".into(),
        ];
        release.known_issues_url = Some("javascript:alert(5)".into());
    }
    let (state, release) = &products[0];
    let product = ProductInput {
        state,
        release,
        policy: &policy,
        distribution_version: "1.3.0",
        release_date: date!(2020 - 02 - 18),
        current_state: "Production",
        gpgkey: "",
    };
    let record = distribution_json(&DistributionInput {
        policy: &policy,
        version: "1.3.0",
        date: datetime!(2020-02-18 11:34:44 UTC),
        created: datetime!(2020-02-17 17:03:23 UTC),
        description: XSS,
        // Our generator escapes untrusted parts inside its HTML.
        release_notes_html: &format!("<ul><li>{}</li></ul>", html_escape(XSS)),
        installation_notes: XSS,
        contact: XSS,
        technical_contact: XSS,
        known_issues: XSS,
        change_log: XSS,
        additional_details: "https://wiki.egi.eu/wiki/CMD-OS-1:CMD-OS-1.3.0",
        products: vec![product.clone()],
        id: 1,
    });

    let mut all = Vec::new();
    strings(&record, "$".into(), &mut all);
    for (path, s) in &all {
        assert!(!s.contains('<'), "{path} has a raw '<': {s}");
        assert!(
            !s.contains("javascript:"),
            "{path} keeps a javascript: URL: {s}"
        );
    }
    // The announcement texts hold HTML escaped once; a page unescapes them once
    // and shows the HTML: the payload must still be escaped then.
    for field in [
        "releaseNotes",
        "installationNotes",
        "contact",
        "technicalContact",
        "knownIssues",
        "changeLog",
    ] {
        let shown = html_unescape(text(&record, field));
        assert!(!shown.contains("<script"), "{field}: {shown}");
        assert!(!shown.contains("<img"), "{field}: {shown}");
        assert!(shown.contains("&lt;script&gt;"), "{field}: {shown}");
    }
    assert_eq!(
        html_unescape(text(&record, "releaseNotes")),
        "<ul><li>&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;</li></ul>"
    );
    // The description and a product's texts are plain text, escaped once.
    let escaped = html_escape(XSS);
    assert_eq!(record["description"], escaped);
    let p = &record["products"][0];
    assert_eq!(p["description"], format!("SSM {escaped}"));
    assert_eq!(p["releaseNotes"], format!("- fixed {escaped}"));
    assert_eq!(p["changeLog"], format!("- fixed {escaped}"));
    assert_eq!(p["technologyProvider"], format!("APEL{escaped}"));
    assert_eq!(p["contact"], format!("a@b.c{escaped}"));
    assert_eq!(p["capability"], format!("Accounting{escaped}"));
    assert_eq!(p["knownIssues"], Value::Null);
    let links: Value = serde_json::from_str(text(p, "documentationLinks")).unwrap();
    assert_eq!(
        links["documentationLink"]["link"],
        "https://x.org/&quot;&gt;&lt;script&gt;alert(3)&lt;/script&gt;"
    );

    // The product file is data for EGI's pipeline, not HTML: its texts are
    // written as the submission has them, only links are filtered.
    let centos7 = ReleaseTarget {
        id: "centos7".into(),
        name: "CentOS 7".into(),
        arch: "noarch".into(),
        repository: None,
        packages: vec!["https://x.org/apel-ssm-2.3.0-1.el7.noarch.rpm".into()],
    };
    let file = pipeline_json(&product, &centos7).unwrap();
    assert_eq!(file["description"], format!("SSM {XSS}"));
    assert_eq!(
        file["documentationLinks"],
        json!(["https://x.org/\"><script>alert(3)</script>"])
    );
}

// ---------------------------------------------------------------------------
// Golden files: real releases rebuilt from their facts, written in EGI's
// layout (`release_files`), compared with the published files path and value.

use std::collections::BTreeMap;
use time::OffsetDateTime;
use umd_release::export::egi::release_files;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/egi/software-releases/"
);

fn published_file(path: &str) -> Value {
    let text = std::fs::read_to_string(format!("{FIXTURES}{path}")).expect("fixture exists");
    serde_json::from_str(&text).expect("fixture is JSON")
}

/// A product with one target whose packages are download URLs.
fn product(
    dist: &str,
    name: &str,
    version: &str,
    mut release: Release,
    target: (&str, &str, &[&str]),
) -> (State, Release) {
    release.targets = vec![ReleaseTarget {
        id: target.0.into(),
        name: target.0.into(),
        arch: target.1.into(),
        repository: None,
        packages: target.2.iter().map(|p| p.to_string()).collect(),
    }];
    (state(dist, name, version, &release), release)
}

/// Every file of a distribution release, by path.
fn files(
    policy: &Policy,
    version: &str,
    date: OffsetDateTime,
    products: &[(State, Release)],
) -> BTreeMap<String, Value> {
    let products = products
        .iter()
        .map(|(state, release)| ProductInput {
            state,
            release,
            policy,
            distribution_version: version,
            release_date: date.date(),
            current_state: "Production",
            gpgkey: known_gpgkey(policy).unwrap_or_default(),
        })
        .collect();
    release_files(&DistributionInput {
        policy,
        version,
        date,
        created: date,
        description: "",
        release_notes_html: "",
        installation_notes: "",
        contact: "",
        technical_contact: "",
        known_issues: "",
        change_log: "",
        additional_details: "",
        products,
        id: 1,
    })
    .expect("the release exports")
    .into_iter()
    .collect()
}

/// `ours` has `published`'s fields and values, but for `skip` (paths like
/// `target[0].id`, each a value the release cannot know); `unescape` drops
/// backslashes of published strings first (a record's own quirk).
fn assert_same_values(published: &Value, ours: &Value, skip: &[&str], path: &str) {
    match (published, ours) {
        (Value::Object(p), Value::Object(o)) => {
            let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
            let (mut pk, mut ok) = (keys(p), keys(o));
            pk.sort();
            ok.sort();
            assert_eq!(pk, ok, "{path}: the same fields");
            for (k, pv) in p {
                let sub = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                if !skip.contains(&sub.as_str()) {
                    assert_same_values(pv, &o[k], skip, &sub);
                }
            }
        }
        (Value::Array(p), Value::Array(o)) => {
            assert_eq!(p.len(), o.len(), "{path}: the same length");
            for (i, (pv, ov)) in p.iter().zip(o).enumerate() {
                let sub = format!("{path}[{i}]");
                if !skip.contains(&sub.as_str()) {
                    assert_same_values(pv, ov, skip, &sub);
                }
            }
        }
        _ => assert_eq!(ours, published, "{path}"),
    }
}

/// UMD 5.0.0, APEL 2.1.0 on AlmaLinux 9: the pipeline input on `production/umd5`.
#[test]
fn golden_umd_5_apel_2_1_0_pipeline_input() {
    let policy = Policy::builtin("umd-5").unwrap();
    let mut release = apel_2_1_0();
    release.notes = "https://github.com/apel/apel/blob/dev/CHANGELOG".into();
    let apel = product(
        "umd-5",
        "apel",
        "2.1.0",
        release,
        ("al9", "noarch", &APEL_RPMS),
    );
    let ours = files(&policy, "5.0.0", datetime!(2024-09-18 09:00 UTC), &[apel]);
    let path = "json/umd5/apel-2.1.0-1-el9.json";
    let mut published = published_file(path);
    // Not derivable: `extraOSRepos` (the `crb` repository is nowhere in our
    // data) and the template's placeholder "link2" after the real link.
    for (field, ours_is) in [
        ("extraOSRepos", json!([])),
        (
            "documentationLinks",
            json!(["https://twiki.cern.ch/twiki/bin/view/EMI/EMI3APELClient"]),
        ),
    ] {
        assert_ne!(published[field], ours_is, "{field} is not derivable");
        published[field] = ours_is;
    }
    assert_same_values(&published, &ours[path], &[], "");
    // The reader's view: one target, the repository's arch, full URLs.
    assert_eq!(ours[path]["target"][0]["arch"], "x86_64");
}

/// Non-derivable in a web page's product record: EGI's database ids, the
/// admin-repo report URL, and the signing key the admin repo wrote (null for
/// CMD-OS, "" for CMD-ONE).
const FRONTEND_SKIP: [&str; 4] = [
    "target[0].id",
    "target[0].productId",
    "target[0].apicallback",
    "target[0].gpgkey",
];

/// CMD-OS 1.3.0, APEL 1.8.1 on CentOS 7 (updates repository).
#[test]
fn golden_cmd_os_1_3_0_apel_1_8_1_record() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let path = "frontend-data/products/CMD-OS/1.3.0/apel.apel1.8.1.json";
    let published = published_file(path);
    let release = Release {
        tag: "1.8.1-1".into(),
        provider: "APEL".into(),
        description: text(&published, "description").into(),
        contact: "apel-admins@stfcnospamplease.ac.uk".into(),
        technical_contact: "apel-admins@stfcnospamplease.ac.uk".into(),
        release_notes_url: Some("https://github.com/apel/apel/releases/tag/1.8.1-1".into()),
        documentation: vec!["https://twiki.cern.ch/twiki/bin/view/EMI/EMI3APELClient".into()],
        capabilities: vec!["Accounting".into()],
        notes: "https://github.com/apel/apel/blob/dev/CHANGELOG".into(),
        ..Release::default()
    };
    let rpm =
        "https://github.com/apel/apel/releases/download/1.8.1-1/apel-client-1.8.1-1.el7.noarch.rpm";
    let apel = product(
        "cmd-os-1",
        "apel",
        "1.8.1",
        release,
        ("centos7", "noarch", &[rpm]),
    );
    let ours = files(
        &policy,
        "1.3.0",
        datetime!(2020-02-18 11:34:44 UTC),
        &[apel],
    );
    assert_same_values(&published, &ours[path], &FRONTEND_SKIP, "");
    assert_eq!(
        ours["json/cmd-os1/apel-1.8.1-1-centos7.json"]["target"][0]["rpms"],
        json!([rpm])
    );
    assert!(ours.contains_key("frontend-data/distributions/CMD-OS/1.3.0.json"));
}

/// CMD-OS 1.1.1, the CMD repository package 1.0.1 for Ubuntu Xenial (deb).
#[test]
fn golden_cmd_os_1_1_1_xenial_record() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let path = "frontend-data/products/CMD-OS/1.1.1/umd.cmd-release1.0.1.json";
    let published = published_file(path);
    let release = Release {
        tag: "1.0.1".into(),
        provider: "UMD".into(),
        description: "Cloud Middleware repository configuration for all OpenStack products".into(),
        contact: "kkoum@grnet.gr".into(),
        technical_contact: "kkoum@grnet.gr".into(),
        release_notes_url: Some("http://repository.egi.eu/".into()),
        documentation: vec!["http://repository.egi.eu/".into()],
        capabilities: vec!["Client Tools".into()],
        ..Release::default()
    };
    let deb = "https://example.org/cmd-os/cmd-release_1.0.1-1~xenial_all.deb";
    let p = product(
        "cmd-os-1",
        "cmd-release",
        "1.0.1",
        release,
        ("xenial", "all", &[deb]),
    );
    let ours = files(&policy, "1.1.1", datetime!(2017-06-13 14:54:32 UTC), &[p]);
    assert_same_values(&published, &ours[path], &FRONTEND_SKIP, "");
    let pipeline = &ours["json/cmd-os1/cmd-release-1.0.1-xenial.json"];
    assert_eq!(pipeline["target"][0]["platform"], "ubuntu-xenial");
    assert_eq!(pipeline["target"][0]["arch"], "amd64");
}

/// CMD-ONE 1.1.0, keystorm 1.1.0 on CentOS 7. The published target's
/// `repositoryURL` is escaped twice (`sw\/production\/…` after parsing, an
/// admin-repo quirk): compared with its backslashes removed.
#[test]
fn golden_cmd_one_1_1_0_keystorm_record() {
    let policy = Policy::builtin("cmd-one-1").unwrap();
    let path = "frontend-data/products/CMD-ONE/1.1.0/cesnet.keystorm1.1.0.json";
    let mut published = published_file(path);
    let quirk = text(&published["target"][0], "repositoryURL").replace('\\', "");
    published["target"][0]["repositoryURL"] = quirk.into();
    let release = Release {
        tag: "v1.1.0".into(),
        provider: "CESNET".into(),
        description: "Federated authentication component for rOCCI-server".into(),
        contact: "parak@cesnet.cz".into(),
        technical_contact: "parak@cesnet.cz".into(),
        release_notes_url: Some(
            "https://github.com/the-rocci-project/keystorm/releases/tag/v1.1.0".into(),
        ),
        capabilities: vec!["Client Tools".into()],
        ..Release::default()
    };
    let rpm = "https://example.org/keystorm-1.1.0-1.el7.noarch.rpm";
    let p = product(
        "cmd-one-1",
        "keystorm",
        "1.1.0",
        release,
        ("centos7", "noarch", &[rpm]),
    );
    let ours = files(&policy, "1.1.0", datetime!(2018-11-12 12:34:40 UTC), &[p]);
    assert_same_values(&published, &ours[path], &FRONTEND_SKIP, "");
    // A `v` tag is no package release: the file name has the version.
    assert!(ours.contains_key("json/cmd-one1/keystorm-1.1.0-centos7.json"));
}

/// A distribution's first release (`X.0.0`) goes to the `base` repositories.
#[test]
fn first_release_goes_to_the_base_repository() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let p = product(
        "cmd-os-1",
        "x",
        "1.0.0",
        Release::default(),
        (
            "centos7",
            "noarch",
            &["https://e.org/x-1.0.0-1.el7.noarch.rpm"],
        ),
    );
    let ours = files(&policy, "1.0.0", datetime!(2017-01-01 0:00 UTC), &[p]);
    assert_eq!(
        ours["json/cmd-os1/x-1.0.0-centos7.json"]["target"][0]["repositoryURL"],
        "sw/production/cmd-os/1/centos7/x86_64/base"
    );
}

/// Our statement of what EGI's reader (`scripts/utils.py` in
/// egi-qc/software-releases) does with a pipeline input: `create_dict_pkg`
/// maps the last path segment of every `target[].rpms` entry to the entry (it
/// downloads it), `get_info_json` places all of them in
/// `<distributionType lowercased>/<major of distributionVersion>/<target[0].platform>/release/<target[0].arch>`.
fn reader(file: &Value) -> (String, BTreeMap<String, String>) {
    let dist = text(file, "distributionType").to_lowercase();
    let major = text(file, "distributionVersion")
        .split('.')
        .next()
        .unwrap_or_default()
        .to_string();
    let first = &file["target"][0];
    let place = format!(
        "{dist}/{major}/{}/release/{}",
        text(first, "platform"),
        text(first, "arch")
    );
    let mut packages = BTreeMap::new();
    for target in file["target"].as_array().unwrap() {
        for url in target["rpms"].as_array().unwrap() {
            let url = url.as_str().unwrap();
            let name = url.rsplit('/').next().unwrap().to_string();
            packages.insert(name, url.to_string());
        }
    }
    (place, packages)
}

#[test]
fn egi_s_reader_places_every_package_in_its_os_repository() {
    let policy = Policy::builtin("cmd-os-1").unwrap();
    let mut release = Release::default();
    let (rpm, deb) = (
        "https://e.org/d/tool-2.0.0-1.el7.noarch.rpm",
        "https://e.org/d/tool_2.0.0-1~xenial_all.deb",
    );
    let (state, mut release_) = product(
        "cmd-os-1",
        "tool",
        "2.0.0",
        std::mem::take(&mut release),
        ("centos7", "noarch", &[rpm]),
    );
    release_.targets.push(ReleaseTarget {
        id: "xenial".into(),
        name: "Ubuntu".into(),
        arch: "all".into(),
        repository: None,
        packages: vec![deb.into()],
    });
    let ours = files(
        &policy,
        "1.5.0",
        datetime!(2026-11-10 0:00 UTC),
        &[(state, release_)],
    );
    let mut placed = BTreeMap::new();
    for (path, file) in ours.iter().filter(|(p, _)| p.starts_with("json/")) {
        assert_eq!(file["target"].as_array().unwrap().len(), 1, "{path}");
        let (place, packages) = reader(file);
        for (name, url) in packages {
            assert!(url.starts_with("https://"), "{path}: {url} is downloadable");
            placed.insert(name, place.clone());
        }
    }
    assert_eq!(
        placed,
        BTreeMap::from([
            (
                "tool-2.0.0-1.el7.noarch.rpm".to_string(),
                "cmd-os/1/centos7/release/x86_64".to_string()
            ),
            (
                "tool_2.0.0-1~xenial_all.deb".to_string(),
                "cmd-os/1/ubuntu-xenial/release/amd64".to_string()
            ),
        ])
    );
    // And the published UMD 5 input lands where our rebuilt one does.
    let (place, packages) = reader(&published_file("json/umd5/apel-2.1.0-1-el9.json"));
    assert_eq!(place, "umd/5/al9/release/x86_64");
    assert_eq!(packages.len(), APEL_RPMS.len());
}

#[test]
fn a_package_without_url_is_refused_with_how_to_fix_it() {
    let policy = Policy::builtin("umd-5").unwrap();
    let p = product(
        "umd-5",
        "apel",
        "2.1.0",
        Release::default(),
        ("al9", "noarch", &["apel-client-2.1.0-1.el9.noarch.rpm"]),
    );
    let input = ProductInput {
        state: &p.0,
        release: &p.1,
        policy: &policy,
        distribution_version: "5.0.0",
        release_date: date!(2024 - 09 - 18),
        current_state: "Production",
        gpgkey: "",
    };
    let err = release_files(&DistributionInput {
        policy: &policy,
        version: "5.0.0",
        date: datetime!(2024-09-18 0:00 UTC),
        created: datetime!(2024-09-18 0:00 UTC),
        description: "",
        release_notes_html: "",
        installation_notes: "",
        contact: "",
        technical_contact: "",
        known_issues: "",
        change_log: "",
        additional_details: "",
        products: vec![input],
        id: 1,
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("apel 2.1.0 (al9)")
            && err.contains("`apel-client-2.1.0-1.el9.noarch.rpm` has no download URL")
            && err.contains("--download-url-base"),
        "{err}"
    );
}
