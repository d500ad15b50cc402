//! Tests of the fake GitHub API itself (`tests/support/fake_github.rs`): the
//! behaviours the GitHub tracker relies on, and that its responses conform to
//! the OpenAPI description in `tests/fixtures/github/openapi-subset.json`.

mod support;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::fake_github::{FakeGitHub, HttpReply, http};

const TOKEN: &str = "ghp_test";
const AUTH: (&str, &str) = ("Authorization", "Bearer ghp_test");

fn fake() -> FakeGitHub {
    let gh = FakeGitHub::start();
    gh.add_repo("o", "r");
    gh.set_token(TOKEN);
    gh
}

fn get(gh: &FakeGitHub, path: &str) -> HttpReply {
    http("GET", &format!("{}{path}", gh.url()), &[AUTH], "")
}

fn send(gh: &FakeGitHub, method: &str, path: &str, body: Value) -> HttpReply {
    http(
        method,
        &format!("{}{path}", gh.url()),
        &[AUTH],
        &body.to_string(),
    )
}

fn numbers(v: &Value) -> Vec<u64> {
    let items = v.as_array().expect("an array");
    items
        .iter()
        .map(|i| i["number"].as_u64().unwrap())
        .collect()
}

#[test]
fn pagination_link_headers_across_250_issues() {
    let gh = fake();
    for n in 1..=250 {
        gh.create_issue_direct("o", "r", &format!("issue {n}"), "b", &[], "alice");
    }
    let base = format!("{}/repos/o/r/issues", gh.url());
    let p1 = get(&gh, "/repos/o/r/issues?per_page=100");
    assert_eq!(p1.status, 200);
    assert_eq!(
        numbers(&p1.json()),
        (151..=250).rev().collect::<Vec<_>>(),
        "newest first"
    );
    assert_eq!(
        p1.header("link").unwrap(),
        format!(
            "<{base}?per_page=100&page=2>; rel=\"next\", <{base}?per_page=100&page=3>; rel=\"last\""
        )
    );
    let p2 = get(&gh, "/repos/o/r/issues?per_page=100&page=2");
    assert_eq!(numbers(&p2.json()), (51..=150).rev().collect::<Vec<_>>());
    assert_eq!(
        p2.header("link").unwrap(),
        format!(
            "<{base}?per_page=100&page=1>; rel=\"prev\", <{base}?per_page=100&page=3>; rel=\"next\", \
             <{base}?per_page=100&page=3>; rel=\"last\", <{base}?per_page=100&page=1>; rel=\"first\""
        )
    );
    let p3 = get(&gh, "/repos/o/r/issues?per_page=100&page=3");
    assert_eq!(numbers(&p3.json()), (1..=50).rev().collect::<Vec<_>>());
    let link = p3.header("link").unwrap();
    assert!(
        !link.contains("rel=\"next\"") && !link.contains("rel=\"last\""),
        "{link}"
    );
    // Default page size is 30; per_page is clamped to the cap.
    assert_eq!(
        get(&gh, "/repos/o/r/issues")
            .json()
            .as_array()
            .unwrap()
            .len(),
        30
    );
    assert_eq!(
        get(&gh, "/repos/o/r/issues?per_page=500")
            .json()
            .as_array()
            .unwrap()
            .len(),
        100
    );
    gh.set_page_size_cap(7);
    let capped = get(&gh, "/repos/o/r/issues?per_page=100");
    assert_eq!(capped.json().as_array().unwrap().len(), 7);
    assert!(
        capped
            .header("link")
            .unwrap()
            .contains("page=36>; rel=\"last\"")
    );
}

#[test]
fn issue_list_filters_by_state_and_all_labels() {
    let gh = fake();
    gh.create_issue_direct("o", "r", "a", "", &["x"], "alice");
    gh.create_issue_direct("o", "r", "b", "", &["x", "state: ready"], "alice");
    let c = gh.create_issue_direct("o", "r", "c", "", &["x", "state: ready"], "alice");
    send(
        &gh,
        "PATCH",
        &format!("/repos/o/r/issues/{c}"),
        json!({"state": "closed"}),
    );
    let got = |q: &str| numbers(&get(&gh, &format!("/repos/o/r/issues?{q}")).json());
    assert_eq!(got("labels=x"), [2, 1]);
    assert_eq!(got("labels=x,state%3A%20ready"), [2]);
    assert_eq!(got("labels=x,state%3A%20ready&state=all"), [3, 2]);
    assert_eq!(got("state=closed"), [3]);
    assert_eq!(got("labels=nope"), Vec::<u64>::new());
    assert_eq!(got("state=all&direction=asc"), [1, 2, 3]);
}

#[test]
fn create_returns_201_and_auto_creates_labels() {
    let gh = fake();
    let body = json!({"title": "t", "body": "b", "labels": ["state:unverified"]});
    let r = send(&gh, "POST", "/repos/o/r/issues", body);
    assert_eq!(r.status, 201);
    let issue = r.json();
    assert_eq!(
        (issue["number"].as_u64(), issue["state"].as_str()),
        (Some(1), Some("open"))
    );
    assert_eq!(issue["user"]["login"], "umd-release[bot]");
    assert_eq!(issue["labels"][0]["name"], "state:unverified");
    let labels = get(&gh, "/repos/o/r/labels").json();
    assert_eq!(labels[0]["name"], "state:unverified");
    assert_eq!(labels[0]["color"], "ededed");
    let events = get(&gh, "/repos/o/r/issues/1/events").json();
    assert_eq!(events[0]["event"], "labeled");
    assert_eq!(events[0]["actor"]["login"], "umd-release[bot]");
    assert_eq!(gh.issues("o", "r")[0]["title"], "t");
    let again = send(
        &gh,
        "POST",
        "/repos/o/r/labels",
        json!({"name": "STATE:unverified"}),
    );
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["errors"][0]["code"], "already_exists");
}

#[test]
fn auth_unknown_repo_and_validation_errors() {
    let gh = fake();
    let url = format!("{}/repos/o/r/issues", gh.url());
    let anon = http("GET", &url, &[], "");
    assert_eq!(anon.status, 401);
    assert!(anon.json()["documentation_url"].is_string());
    let bad = http("GET", &url, &[("Authorization", "token nope")], "");
    assert_eq!(
        (bad.status, bad.json()["message"].as_str()),
        (401, Some("Bad credentials"))
    );
    assert_eq!(
        http("GET", &url, &[("Authorization", "token ghp_test")], "").status,
        200
    );
    let missing = get(&gh, "/repos/o/missing/issues");
    assert_eq!(
        (missing.status, missing.json()["message"].as_str()),
        (404, Some("Not Found"))
    );
    assert_eq!(get(&gh, "/nope").status, 404);
    let r = send(
        &gh,
        "POST",
        "/repos/o/r/issues",
        json!({"body": "no title"}),
    );
    assert_eq!(r.status, 422);
    assert_eq!(
        r.json()["errors"],
        json!([{"resource": "Issue", "code": "missing_field", "field": "title"}])
    );
    assert_eq!(r.json()["message"], "Validation Failed");
    gh.set_token_user("ghp_alice", "alice");
    let as_alice = http(
        "POST",
        &url,
        &[("Authorization", "Bearer ghp_alice")],
        r#"{"title":"x"}"#,
    );
    assert_eq!(as_alice.json()["user"]["login"], "alice");
}

#[test]
fn malformed_requests_get_400_and_the_server_survives() {
    let gh = fake();
    let r = http(
        "POST",
        &format!("{}/repos/o/r/issues", gh.url()),
        &[AUTH],
        "{not json",
    );
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (400, Some("Problems parsing JSON"))
    );
    let r = send(&gh, "PATCH", "/repos/o/r/issues/1", json!({}));
    assert_eq!(r.status, 404);
    // Raw garbage on the socket.
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(gh.url().trim_start_matches("http://")).unwrap();
    s.write_all(b"\x00\x01 garbage\r\n\r\n").unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert_eq!(get(&gh, "/repos/o/r/issues/x").status, 404);
    assert_eq!(get(&gh, "/repos/o/r/issues").status, 200);
}

#[test]
fn percent_encoded_label_delete_and_404_when_absent() {
    let gh = fake();
    let n = gh.create_issue_direct(
        "o",
        "r",
        "t",
        "b",
        &["state:unverified", "needs review"],
        "al",
    );
    let r = send(
        &gh,
        "DELETE",
        &format!("/repos/o/r/issues/{n}/labels/state%3Aunverified"),
        json!({}),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!([gh.labels("o", "r")[1]]));
    let r = send(
        &gh,
        "DELETE",
        &format!("/repos/o/r/issues/{n}/labels/needs%20review"),
        json!({}),
    );
    assert_eq!((r.status, r.json()), (200, json!([])));
    let r = send(
        &gh,
        "DELETE",
        &format!("/repos/o/r/issues/{n}/labels/needs%20review"),
        json!({}),
    );
    assert_eq!(
        (r.status, r.json()["message"].as_str()),
        (404, Some("Label does not exist"))
    );
    let events: Vec<Value> = gh.events("o", "r", n);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["labeled", "labeled", "unlabeled", "unlabeled"]);
    assert_eq!(
        events[3]["label"],
        json!({"name": "needs review", "color": "ededed"})
    );
    let add = send(
        &gh,
        "POST",
        &format!("/repos/o/r/issues/{n}/labels"),
        json!({"labels": ["a"]}),
    );
    assert_eq!(add.json()[0]["name"], "a");
}

#[test]
fn comments_and_state_changes_record_events() {
    let gh = fake();
    let n = gh.create_issue_direct("o", "r", "t", "b", &[], "alice");
    let c = send(
        &gh,
        "POST",
        &format!("/repos/o/r/issues/{n}/comments"),
        json!({"body": "hi"}),
    );
    assert_eq!(c.status, 201);
    let id = c.json()["id"].as_u64().unwrap();
    let e = send(
        &gh,
        "PATCH",
        &format!("/repos/o/r/issues/comments/{id}"),
        json!({"body": "yo"}),
    );
    assert_eq!(e.json()["body"], "yo");
    assert_eq!(
        get(&gh, &format!("/repos/o/r/issues/{n}/comments")).json()[0]["body"],
        "yo"
    );
    let closed = send(
        &gh,
        "PATCH",
        &format!("/repos/o/r/issues/{n}"),
        json!({"state": "closed"}),
    );
    let closed = closed.json();
    assert_eq!(
        (closed["state"].as_str(), closed["state_reason"].as_str()),
        (Some("closed"), Some("completed"))
    );
    assert_eq!(closed["closed_by"]["login"], "umd-release[bot]");
    assert_eq!(closed["comments"], 1);
    send(
        &gh,
        "PATCH",
        &format!("/repos/o/r/issues/{n}"),
        json!({"state": "open"}),
    );
    let events = get(&gh, &format!("/repos/o/r/issues/{n}/events")).json();
    assert_eq!(events[0]["event"], "closed");
    assert_eq!(events[1]["event"], "reopened");
}

#[test]
fn releases_etag_304_is_not_counted() {
    let gh = fake();
    gh.add_release(
        "o",
        "r",
        "v1.0.0",
        "notes",
        &[("a.rpm", b"rpm bytes".to_vec())],
    );
    let first = get(&gh, "/repos/o/r/releases");
    assert_eq!(first.status, 200);
    let etag = first.header("etag").unwrap().to_string();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let remaining = first.header("x-ratelimit-remaining").unwrap().to_string();
    gh.clear_log();
    let url = format!("{}/repos/o/r/releases", gh.url());
    let again = http("GET", &url, &[AUTH, ("If-None-Match", &etag)], "");
    assert_eq!((again.status, again.body.len()), (304, 0));
    assert_eq!(again.header("x-ratelimit-remaining").unwrap(), remaining);
    let log = gh.requests();
    assert_eq!(log[0].if_none_match.as_deref(), Some(etag.as_str()));
    assert!(!log[0].counts_against_rate_limit());
    // A new release changes the list, so the ETag no longer matches.
    gh.add_release("o", "r", "v1.1.0", "more", &[]);
    let changed = http("GET", &url, &[AUTH, ("If-None-Match", &etag)], "");
    assert_eq!(changed.status, 200);
    assert_eq!(changed.json()[0]["tag_name"], "v1.1.0", "newest first");
    assert!(gh.requests()[1].counts_against_rate_limit());
}

#[test]
fn release_assets_download_with_digest() {
    let gh = fake();
    let data = b"\x00binary rpm\xff".to_vec();
    let id = gh.add_release("o", "r", "v1.0.0", "notes", &[("pkg 1.rpm", data.clone())]);
    let rel = get(&gh, "/repos/o/r/releases/tags/v1.0.0").json();
    assert_eq!(rel["id"], id);
    let asset = &get(&gh, &format!("/repos/o/r/releases/{id}/assets")).json()[0];
    let hex: String = Sha256::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(asset["digest"], format!("sha256:{hex}"));
    gh.clear_log();
    let dl = http(
        "GET",
        asset["browser_download_url"].as_str().unwrap(),
        &[],
        "",
    );
    assert_eq!((dl.status, dl.body.clone()), (200, data.clone()));
    assert_eq!(dl.header("content-type"), Some("application/octet-stream"));
    assert!(!gh.requests()[0].counts_against_rate_limit());
    let api_url = asset["url"].as_str().unwrap();
    let raw = http(
        "GET",
        api_url,
        &[AUTH, ("Accept", "application/octet-stream")],
        "",
    );
    assert_eq!(raw.body, data);
    assert_eq!(
        http("GET", api_url, &[AUTH], "").json()["name"],
        "pkg 1.rpm"
    );
    assert_eq!(get(&gh, "/repos/o/r/releases/tags/v9").status, 404);
}

#[test]
fn search_matches_quoted_phrase_in_body() {
    let gh = fake();
    gh.add_repo("o", "other");
    gh.create_issue_direct(
        "o",
        "r",
        "t1",
        "intro <!-- umd:submission demo 1.2.3 --> end",
        &[],
        "a",
    );
    gh.create_issue_direct("o", "r", "umd:submission demo 1.2.3", "no marker", &[], "a");
    gh.create_issue_direct("o", "r", "t3", "umd:submission demo 1.2.30", &["x"], "a");
    gh.create_issue_direct("o", "other", "t", "umd:submission demo 1.2.3", &[], "a");
    let q = "repo:o/r is:issue in:body \"umd:submission demo 1.2.3\"";
    let url = format!("/search/issues?q={}", support::fake_github::pct_encode(q));
    let r = get(&gh, &url);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-resource"), Some("search"));
    assert_eq!(r.header("x-ratelimit-limit"), Some("30"));
    let v = r.json();
    assert_eq!(
        (v["total_count"].as_u64(), v["incomplete_results"].as_bool()),
        (Some(2), Some(false))
    );
    assert_eq!(numbers(&v["items"]), [3, 1]);
    let v = get(&gh, &format!("{url}+label%3Ax")).json();
    assert_eq!(numbers(&v["items"]), [3]);
    assert_eq!(get(&gh, "/search/issues").status, 422);
    assert_eq!(
        get(&gh, "/repos/o/r/issues").header("x-ratelimit-resource"),
        Some("core")
    );
}

#[test]
fn fail_next_429_with_retry_after_once_then_normal() {
    let gh = fake();
    gh.fail_next("GET /repos/o/r/issues", 1, 429, &[("retry-after", "1")]);
    let r = get(&gh, "/repos/o/r/issues");
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit")
    );
    assert_eq!(get(&gh, "/repos/o/r/issues").status, 200);
    gh.fail_next("POST /repos/o/r/issues", 2, 502, &[]);
    let body = json!({"title": "t"});
    assert_eq!(
        send(&gh, "POST", "/repos/o/r/issues", body.clone()).status,
        502
    );
    assert_eq!(
        send(&gh, "POST", "/repos/o/r/issues", body.clone()).status,
        502
    );
    assert_eq!(send(&gh, "POST", "/repos/o/r/issues", body).status, 201);
    assert_eq!(
        gh.issues("o", "r").len(),
        1,
        "failed requests change nothing"
    );
    let reset = (std::time::SystemTime::now() + std::time::Duration::from_secs(60))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let headers = [
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-reset", reset.as_str()),
    ];
    gh.fail_next("/labels", 1, 403, &headers);
    let r = get(&gh, "/repos/o/r/labels");
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(r.header("x-ratelimit-reset"), Some(reset.as_str()));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded")
    );
    assert_eq!(get(&gh, "/repos/o/r/labels").status, 200);
}

#[test]
fn rate_limit_exhaustion_gives_403_until_reset() {
    let gh = fake();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    gh.set_rate_limit(100, 2, now + 3);
    let r = get(&gh, "/repos/o/r/issues");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("1"));
    assert_eq!(r.header("x-ratelimit-used"), Some("99"));
    assert_eq!(r.header("x-ratelimit-limit"), Some("100"));
    assert_eq!(
        r.header("x-ratelimit-reset"),
        Some((now + 3).to_string().as_str())
    );
    assert_eq!(get(&gh, "/repos/o/r/issues").status, 200);
    let r = get(&gh, "/repos/o/r/issues");
    assert_eq!(r.status, 403);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("API rate limit exceeded")
    );
    let overview = get(&gh, "/rate_limit");
    assert_eq!(
        (
            overview.status,
            overview.json()["rate"]["remaining"].as_u64()
        ),
        (200, Some(0))
    );
    let epoch = || {
        let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        since.unwrap().as_secs()
    };
    while epoch() < now + 3 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let r = get(&gh, "/repos/o/r/issues");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-ratelimit-remaining"), Some("99"));
}

#[test]
fn installation_token_flow() {
    let gh = fake();
    let url = format!("{}/app/installations/42/access_tokens", gh.url());
    assert_eq!(
        http("POST", &url, &[AUTH], "").status,
        401,
        "a PAT is not a JWT"
    );
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2ln";
    let r = http(
        "POST",
        &url,
        &[("Authorization", &format!("Bearer {jwt}"))],
        "",
    );
    assert_eq!(r.status, 201);
    let token = r.json()["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("ghs_"), "{token}");
    let issued = gh.installation_tokens();
    assert_eq!(issued, [(42, jwt.to_string(), token.clone())]);
    let auth = format!("token {token}");
    let created = http(
        "POST",
        &format!("{}/repos/o/r/issues", gh.url()),
        &[
            ("Authorization", &auth),
            ("X-GitHub-Api-Version", "2022-11-28"),
        ],
        r#"{"title":"via app"}"#,
    );
    assert_eq!(created.status, 201);
    assert_eq!(created.json()["user"]["type"], "Bot");
    let log = gh.requests();
    assert_eq!(
        log.last().unwrap().api_version.as_deref(),
        Some("2022-11-28")
    );
    assert_eq!(
        log.last().unwrap().authorization.as_deref(),
        Some(auth.as_str())
    );
}

#[test]
fn permissions_and_team_membership() {
    let gh = fake();
    gh.set_collaborator_permission("o", "r", "mia", "maintain");
    let p = get(&gh, "/repos/o/r/collaborators/mia/permission").json();
    assert_eq!(
        (p["permission"].as_str(), p["role_name"].as_str()),
        (Some("write"), Some("maintain"))
    );
    let p = get(&gh, "/repos/o/r/collaborators/zed/permission").json();
    assert_eq!(p["permission"], "none");
    gh.add_team_member("egi", "umd-managers", "mia");
    let m = get(&gh, "/orgs/egi/teams/umd-managers/memberships/mia");
    assert_eq!(
        (m.status, m.json()["state"].as_str()),
        (200, Some("active"))
    );
    assert_eq!(
        get(&gh, "/orgs/egi/teams/umd-managers/memberships/zed").status,
        404
    );
}

// ------------------------------------------------------- schema conformance

/// Validates JSON against the OpenAPI 3.0 subset the fixture uses.
struct Spec(Value);

impl Spec {
    fn load() -> Spec {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/github/openapi-subset.json"
        );
        Spec(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
    }

    fn resolve<'a>(&'a self, mut s: &'a Value) -> &'a Value {
        while let Some(r) = s.get("$ref").and_then(Value::as_str) {
            s = self
                .0
                .pointer(&r[1..])
                .unwrap_or_else(|| panic!("unresolved {r}"));
        }
        s
    }

    fn response_schema(&self, method: &str, path: &str, status: u16) -> &Value {
        let op = &self.0["paths"][path][method.to_ascii_lowercase()];
        let resp = self.resolve(&op["responses"][status.to_string()]);
        let schema = &resp["content"]["application/json"]["schema"];
        assert!(!schema.is_null(), "no schema for {method} {path} {status}");
        schema
    }

    fn check(&self, schema: &Value, v: &Value, at: &str, errs: &mut Vec<String>) {
        let s = self.resolve(schema);
        if v.is_null() && s["nullable"] == true {
            return;
        }
        if let Some(all) = s["allOf"].as_array() {
            all.iter().for_each(|b| self.check(b, v, at, errs));
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = s[key].as_array() {
                let fits = |b: &Value| {
                    let mut e = Vec::new();
                    self.check(b, v, at, &mut e);
                    e.is_empty()
                };
                if !branches.iter().any(fits) {
                    errs.push(format!("{at}: fits no branch of {key}"));
                }
            }
        }
        if let Some(t) = s["type"].as_str() {
            let ok = match t {
                "object" => v.is_object(),
                "array" => v.is_array(),
                "string" => v.is_string(),
                "integer" => v.is_i64() || v.is_u64(),
                "number" => v.is_number(),
                "boolean" => v.is_boolean(),
                _ => true,
            };
            if !ok {
                errs.push(format!("{at}: expected {t}, got {v}"));
                return;
            }
        }
        if let Some(values) = s["enum"].as_array()
            && !values.contains(v)
        {
            errs.push(format!("{at}: {v} not in {values:?}"));
        }
        for r in s["required"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap();
            if v.get(r).is_none() {
                errs.push(format!("{at}: missing required `{r}`"));
            }
        }
        if let Some(props) = s["properties"].as_object() {
            for (k, ps) in props {
                if let Some(pv) = v.get(k) {
                    self.check(ps, pv, &format!("{at}.{k}"), errs);
                }
            }
        }
        if let (Some(items), Some(arr)) = (s.get("items"), v.as_array()) {
            for (i, iv) in arr.iter().enumerate() {
                self.check(items, iv, &format!("{at}[{i}]"), errs);
            }
        }
    }

    fn errors(&self, method: &str, path: &str, status: u16, v: &Value) -> Vec<String> {
        let mut errs = Vec::new();
        self.check(
            self.response_schema(method, path, status),
            v,
            "$",
            &mut errs,
        );
        errs
    }

    /// Asserts `reply` has `status` and a body conforming to the operation's schema.
    fn conforms(&self, method: &str, path: &str, status: u16, reply: &HttpReply) {
        assert_eq!(reply.status, status, "{method} {path}: {}", reply.text());
        let v = reply.json();
        if let Some(items) = v.as_array() {
            assert!(!items.is_empty(), "{method} {path}: sample an empty list");
        }
        let errs = self.errors(method, path, status, &v);
        assert!(
            errs.is_empty(),
            "{method} {path} {status}:\n{}",
            errs.join("\n")
        );
    }
}

#[test]
fn validator_rejects_what_it_should() {
    let spec = Spec::load();
    let gh = fake();
    gh.create_issue_direct("o", "r", "t", "b", &["x"], "alice");
    let good = get(&gh, "/repos/o/r/issues/1").json();
    let path = "/repos/{owner}/{repo}/issues/{issue_number}";
    assert!(spec.errors("GET", path, 200, &good).is_empty());
    let mut bad = good.clone();
    bad.as_object_mut().unwrap().remove("node_id");
    bad["user"]["login"] = json!(7);
    bad["state_reason"] = json!("whatever");
    let errs = spec.errors("GET", path, 200, &bad);
    assert_eq!(errs.len(), 3, "{errs:?}");
    let mut null_user = good;
    null_user["user"] = Value::Null;
    assert!(
        spec.errors("GET", path, 200, &null_user).is_empty(),
        "nullable-simple-user"
    );
}

#[test]
fn responses_conform_to_the_openapi_schemas() {
    let spec = Spec::load();
    let gh = fake();
    let repo = "/repos/{owner}/{repo}";
    let issue = "/repos/{owner}/{repo}/issues/{issue_number}";
    let ok = |m, p: &str, st, r: &HttpReply| spec.conforms(m, p, st, r);

    let created = send(
        &gh,
        "POST",
        "/repos/o/r/issues",
        json!({"title": "t", "body": "marker", "labels": ["a"]}),
    );
    ok("POST", &format!("{repo}/issues"), 201, &created);
    let c = send(
        &gh,
        "POST",
        "/repos/o/r/issues/1/comments",
        json!({"body": "hi"}),
    );
    ok("POST", &format!("{issue}/comments"), 201, &c);
    let id = c.json()["id"].as_u64().unwrap();
    let edited = send(
        &gh,
        "PATCH",
        &format!("/repos/o/r/issues/comments/{id}"),
        json!({"body": "yo"}),
    );
    ok(
        "PATCH",
        &format!("{repo}/issues/comments/{{comment_id}}"),
        200,
        &edited,
    );
    ok(
        "GET",
        &format!("{issue}/comments"),
        200,
        &get(&gh, "/repos/o/r/issues/1/comments"),
    );
    let added = send(
        &gh,
        "POST",
        "/repos/o/r/issues/1/labels",
        json!({"labels": ["b"]}),
    );
    ok("POST", &format!("{issue}/labels"), 200, &added);
    let removed = send(&gh, "DELETE", "/repos/o/r/issues/1/labels/a", json!({}));
    ok("DELETE", &format!("{issue}/labels/{{name}}"), 200, &removed);
    let closed = send(
        &gh,
        "PATCH",
        "/repos/o/r/issues/1",
        json!({"state": "closed", "state_reason": "not_planned"}),
    );
    ok("PATCH", issue, 200, &closed);
    ok("GET", issue, 200, &get(&gh, "/repos/o/r/issues/1"));
    ok(
        "GET",
        &format!("{repo}/issues"),
        200,
        &get(&gh, "/repos/o/r/issues?state=all"),
    );
    ok(
        "GET",
        &format!("{issue}/events"),
        200,
        &get(&gh, "/repos/o/r/issues/1/events"),
    );
    ok(
        "GET",
        &format!("{repo}/labels"),
        200,
        &get(&gh, "/repos/o/r/labels"),
    );
    let label = send(
        &gh,
        "POST",
        "/repos/o/r/labels",
        json!({"name": "n", "color": "#ABCDEF", "description": "d"}),
    );
    ok("POST", &format!("{repo}/labels"), 201, &label);
    ok(
        "GET",
        &format!("{repo}/labels/{{name}}"),
        200,
        &get(&gh, "/repos/o/r/labels/n"),
    );
    let search = get(
        &gh,
        "/search/issues?q=repo%3Ao%2Fr+is%3Aissue+in%3Abody+%22marker%22",
    );
    ok("GET", "/search/issues", 200, &search);
    assert_eq!(search.json()["total_count"], 1);

    let rid = gh.add_release("o", "r", "v1", "notes", &[("a.tar.gz", b"x".to_vec())]);
    ok(
        "GET",
        &format!("{repo}/releases"),
        200,
        &get(&gh, "/repos/o/r/releases"),
    );
    ok(
        "GET",
        &format!("{repo}/releases/tags/{{tag}}"),
        200,
        &get(&gh, "/repos/o/r/releases/tags/v1"),
    );
    let assets = get(&gh, &format!("/repos/o/r/releases/{rid}/assets"));
    ok(
        "GET",
        &format!("{repo}/releases/{{release_id}}/assets"),
        200,
        &assets,
    );

    gh.set_file("o", "r", "products/x.yaml", "name: x\n");
    ok(
        "GET",
        &format!("{repo}/contents/{{path}}"),
        200,
        &get(&gh, "/repos/o/r/contents/products/x.yaml"),
    );
    assert_eq!(
        get(&gh, "/repos/o/r/contents/products/none.yaml").status,
        404
    );

    gh.set_collaborator_permission("o", "r", "mia", "write");
    let perm = get(&gh, "/repos/o/r/collaborators/mia/permission");
    ok(
        "GET",
        &format!("{repo}/collaborators/{{username}}/permission"),
        200,
        &perm,
    );
    gh.add_team_member("egi", "t", "mia");
    let team = get(&gh, "/orgs/egi/teams/t/memberships/mia");
    ok(
        "GET",
        "/orgs/{org}/teams/{team_slug}/memberships/{username}",
        200,
        &team,
    );
    let jwt = [("Authorization", "Bearer a.b.c")];
    let tok = http(
        "POST",
        &format!("{}/app/installations/1/access_tokens", gh.url()),
        &jwt,
        "",
    );
    ok(
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        201,
        &tok,
    );
    ok("GET", "/rate_limit", 200, &get(&gh, "/rate_limit"));

    ok("GET", issue, 404, &get(&gh, "/repos/o/r/issues/99"));
    ok(
        "POST",
        &format!("{repo}/issues"),
        422,
        &send(&gh, "POST", "/repos/o/r/issues", json!({})),
    );
    let unauth = http(
        "POST",
        &format!("{}/app/installations/1/access_tokens", gh.url()),
        &[],
        "",
    );
    ok(
        "POST",
        "/app/installations/{installation_id}/access_tokens",
        401,
        &unauth,
    );
}
