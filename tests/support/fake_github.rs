//! A stateful fake of the GitHub REST API, served over real HTTP on
//! `127.0.0.1`, for the integration tests of the GitHub tracker and `intake`.
//!
//! It keeps repositories, issues, labels, comments, events, releases and
//! assets in memory and answers with the JSON shapes of
//! `tests/fixtures/github/openapi-subset.json` (every required field), with
//! GitHub's `Link` pagination, `x-ratelimit-*` headers, `ETag`/`If-None-Match`
//! and error bodies. Tests drive it through [`FakeGitHub`]'s methods (setup,
//! error injection, assertions on state and on the request log).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::MutexGuard;
use std::time::SystemTime;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::fake_http::{
    Bucket, Fault, Forge, Incoming, Label, Logged, PageHeaders, PageQuery, PageStyle, Plumbing,
    RateValue, Reply, Res, Server, credential, extend, hex, json_object, parse_query, segments,
};
/// The client and encoding tests use with this fake (not every test crate does).
#[allow(unused_imports)]
pub use super::fake_http::{HttpReply, http, pct_encode};

/// GitHub's pagination: 30 a page by default, a `Link` header only.
const PAGES: PageStyle = PageStyle {
    default_per_page: 30,
    max_per_page: usize::MAX,
    headers: PageHeaders::Link,
};
const DOCS: &str = "https://docs.github.com/rest";
const RATE_DOCS: &str = "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api";
const RATE_LIMITED: &str = "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID FAKE.";
/// The login every token acts as unless [`FakeGitHub::set_token_user`] says otherwise.
pub const DEFAULT_LOGIN: &str = "umd-release[bot]";
const API_VERSIONS: [&str; 2] = ["2022-11-28", "2026-03-10"];

/// One request the fake answered, in arrival order.
pub type LoggedRequest = Logged<GitHubLog>;

/// What the fake GitHub logs of a request besides method, path, query,
/// status, `Authorization` and body.
#[derive(Debug, Clone)]
pub struct GitHubLog {
    pub if_none_match: Option<String>,
    /// The `X-GitHub-Api-Version` header.
    pub api_version: Option<String>,
    /// The rate-limit bucket (`core` or `search`) the request was charged to;
    /// `None` if it was not charged (304, downloads, `/rate_limit`, rejected
    /// credentials, injected failures, rate-limit rejections).
    pub resource: Option<String>,
}

impl Logged<GitHubLog> {
    pub fn counts_against_rate_limit(&self) -> bool {
        self.resource.is_some() && self.status != 304
    }
}

/// A running fake; the server stops when it is dropped. The controls every
/// fake has (`fail_next`, `set_page_size_cap`, `requests`, `clear_log`) are
/// [`Server`]'s.
pub type FakeGitHub = Server<State>;

impl FakeGitHub {
    /// Binds `127.0.0.1:0` and serves on a background thread until dropped.
    pub fn start() -> FakeGitHub {
        Server::start_with(State::new)
    }

    /// `http://127.0.0.1:PORT`, to use as `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        self.base().to_string()
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.state()
    }

    pub fn add_repo(&self, owner: &str, repo: &str) {
        let mut st = self.st();
        let index = st.repos.len() as u64 + 1;
        let base = st.base.clone();
        st.repos
            .entry(key(owner, repo))
            .or_insert_with(|| Repo::new(&base, owner, repo, index));
    }

    /// From now on requests must carry `Authorization: Bearer <token>` (or
    /// `token <token>`); replaces the previous `set_token` token. Until a token
    /// is set, anonymous requests are accepted (acting as [`DEFAULT_LOGIN`]).
    pub fn set_token(&self, token: &str) {
        let mut st = self.st();
        if let Some(old) = st.main_token.replace(token.to_string()) {
            st.tokens.remove(&old);
        }
        st.tokens
            .entry(token.to_string())
            .or_insert_with(|| DEFAULT_LOGIN.to_string());
    }

    /// Accepts `token` too, acting as `login` (e.g. a maintainer's PAT).
    pub fn set_token_user(&self, token: &str, login: &str) {
        self.st()
            .tokens
            .insert(token.to_string(), login.to_string());
    }

    /// The core bucket: reflected in every response's `x-ratelimit-*`; at 0
    /// remaining requests get 403 until `reset_epoch` (real time) passes,
    /// when the bucket refills to `limit` for another hour.
    pub fn set_rate_limit(&self, limit: u64, remaining: u64, reset_epoch: u64) {
        self.st().core = Bucket::new(limit, remaining, reset_epoch, 3600);
    }

    /// The search bucket (default 30 a minute), as [`Self::set_rate_limit`].
    pub fn set_search_rate_limit(&self, limit: u64, remaining: u64, reset_epoch: u64) {
        self.st().search = Bucket::new(limit, remaining, reset_epoch, 60);
    }

    /// `(installation id, JWT it was asked with, token issued)` per token issued.
    pub fn installation_tokens(&self) -> Vec<(u64, String, String)> {
        self.st().installations.clone()
    }

    /// All issues (open and closed), newest first, as `GET` returns them.
    pub fn issues(&self, owner: &str, repo: &str) -> Vec<Value> {
        let st = self.st();
        let r = st.repo(owner, repo);
        r.issues.iter().rev().map(|i| r.issue_json(i)).collect()
    }

    /// An issue's comments, oldest first, as `GET` returns them.
    pub fn comments(&self, owner: &str, repo: &str, number: u64) -> Vec<Value> {
        let st = self.st();
        let r = st.repo(owner, repo);
        let c = r.comments.iter().filter(|c| c.issue == number);
        c.map(|c| r.comment_json(c)).collect()
    }

    /// An issue's events, oldest first, as `GET` returns them.
    pub fn events(&self, owner: &str, repo: &str, number: u64) -> Vec<Value> {
        let st = self.st();
        let r = st.repo(owner, repo);
        let e = r.events.iter().filter(|e| e.issue == number);
        e.map(|e| r.event_json(e)).collect()
    }

    pub fn labels(&self, owner: &str, repo: &str) -> Vec<Value> {
        let st = self.st();
        let r = st.repo(owner, repo);
        r.labels.iter().map(|l| r.label_json(l)).collect()
    }

    /// Creates an issue as `user` (recording `labeled` events); returns its number.
    pub fn create_issue_direct(
        &self,
        owner: &str,
        repo: &str,
        title: &str,
        body: &str,
        labels: &[&str],
        user: &str,
    ) -> u64 {
        let mut st = self.st();
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        st.repo_mut(owner, repo)
            .create_issue(user, title, Some(body.to_string()), &labels)
    }

    /// Publishes a release of `tag` with assets (each with its `sha256:` digest,
    /// downloadable from the fake); returns the release id.
    /// Replaces an asset's bytes but not its reported digest, as a tampered
    /// upload or a corrupted transfer would look.
    pub fn tamper_asset(&self, owner: &str, repo: &str, name: &str, data: &[u8]) {
        let mut st = self.st();
        for r in &mut st.repo_mut(owner, repo).releases {
            for a in r.assets.iter_mut().filter(|a| a.name == name) {
                a.data = data.to_vec();
            }
        }
    }

    /// A file of the repository, served by `GET /repos/{o}/{r}/contents/{path}`.
    pub fn set_file(&self, owner: &str, repo: &str, path: &str, text: &str) {
        let mut st = self.st();
        st.repo_mut(owner, repo)
            .files
            .insert(path.to_string(), text.to_string());
    }

    pub fn add_release(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
        body: &str,
        assets: &[(&str, Vec<u8>)],
    ) -> u64 {
        let mut st = self.st();
        let r = st.repo_mut(owner, repo);
        let now = now();
        let id = r.next_id();
        let assets = assets
            .iter()
            .map(|(name, data)| Asset {
                id: r.next_id(),
                name: name.to_string(),
                digest: format!("sha256:{}", hex(&Sha256::digest(data))),
                data: data.clone(),
                created_at: now.clone(),
            })
            .collect();
        r.releases.push(Release {
            id,
            tag: tag.to_string(),
            body: body.to_string(),
            author: r.owner.clone(),
            created_at: now,
            assets,
        });
        id
    }

    /// `admin`, `maintain`, `write`, `triage`, `read` or `none`.
    pub fn set_collaborator_permission(
        &self,
        owner: &str,
        repo: &str,
        user: &str,
        permission: &str,
    ) {
        let mut st = self.st();
        let r = st.repo_mut(owner, repo);
        r.permissions
            .insert(user.to_ascii_lowercase(), permission.to_string());
    }

    pub fn add_team_member(&self, org: &str, team_slug: &str, user: &str) {
        let k = (org, team_slug, user);
        let k = (
            k.0.to_ascii_lowercase(),
            k.1.to_ascii_lowercase(),
            k.2.to_ascii_lowercase(),
        );
        self.st().teams.insert(k);
    }
}

// ---------------------------------------------------------------- state

/// The `x-ratelimit-*` headers of a bucket charged as `resource`.
fn rate_headers(bucket: &Bucket, resource: &'static str) -> Vec<(String, String)> {
    bucket.headers(&[
        ("x-ratelimit-limit", RateValue::Limit),
        ("x-ratelimit-remaining", RateValue::Remaining),
        ("x-ratelimit-reset", RateValue::Reset),
        ("x-ratelimit-used", RateValue::Used),
        ("x-ratelimit-resource", RateValue::Fixed(resource)),
    ])
}

fn bucket_json(b: &Bucket) -> Value {
    json!({"limit": b.limit, "remaining": b.remaining, "reset": b.reset, "used": b.used()})
}

/// The fake's data, behind its [`Server`].
pub struct State {
    base: String,
    /// token → login.
    tokens: HashMap<String, String>,
    main_token: Option<String>,
    http: Plumbing<GitHubLog>,
    core: Bucket,
    search: Bucket,
    /// Keyed by lowercase `owner/repo`.
    repos: BTreeMap<String, Repo>,
    /// Lowercase `(org, team slug, login)`.
    teams: HashSet<(String, String, String)>,
    installations: Vec<(u64, String, String)>,
}

fn key(owner: &str, repo: &str) -> String {
    format!("{owner}/{repo}").to_ascii_lowercase()
}

impl State {
    fn new(base: &str) -> State {
        State {
            base: base.to_string(),
            tokens: HashMap::new(),
            main_token: None,
            http: Plumbing::default(),
            core: Bucket::full(5000, 3600),
            search: Bucket::full(30, 60),
            repos: BTreeMap::new(),
            teams: HashSet::new(),
            installations: Vec::new(),
        }
    }

    fn repo(&self, owner: &str, repo: &str) -> &Repo {
        let k = key(owner, repo);
        self.repos
            .get(&k)
            .unwrap_or_else(|| panic!("fake GitHub: no repo {k}: call add_repo first"))
    }

    fn repo_mut(&mut self, owner: &str, repo: &str) -> &mut Repo {
        let k = key(owner, repo);
        self.repos
            .get_mut(&k)
            .unwrap_or_else(|| panic!("fake GitHub: no repo {k}: call add_repo first"))
    }

    fn bucket(&mut self, resource: &str) -> &mut Bucket {
        if resource == "search" {
            &mut self.search
        } else {
            &mut self.core
        }
    }
}

impl Forge for State {
    type Extra = GitHubLog;

    fn plumbing(&mut self) -> &mut Plumbing<GitHubLog> {
        &mut self.http
    }

    fn handle(&mut self, rq: &Incoming) -> (Reply, GitHubLog) {
        let authorization = rq.header("Authorization");
        let if_none_match = rq.header("If-None-Match");
        let api_version = rq.header("X-GitHub-Api-Version");
        let mut entry = GitHubLog {
            if_none_match: if_none_match.clone(),
            api_version: api_version.clone(),
            resource: None,
        };
        let mut ctx = Ctx {
            method: rq.method.clone(),
            path: rq.path.clone(),
            raw_query: rq.raw_query.clone(),
            query: parse_query(&rq.raw_query),
            body: rq.body.clone(),
            accept: rq.header("Accept").unwrap_or_default(),
            login: DEFAULT_LOGIN.to_string(),
            base: self.base.clone(),
            page_cap: self.http.page_cap,
        };
        let path = rq.path.as_str();
        let resource = if path.starts_with("/download/") || path == "/rate_limit" {
            None
        } else if path.starts_with("/search/") {
            Some("search")
        } else {
            Some("core")
        };
        let mut reply = if !rq.body_ok {
            Reply::error(400, "Problems reading the request body")
        } else {
            self.handle_checked(&mut ctx, resource, authorization, api_version.as_deref())
        };
        // Conditional requests: a strong ETag on every GET answered with JSON.
        if ctx.method == "GET" && reply.status == 200 && reply.is_json() {
            let etag = format!("\"{}\"", hex(&Sha256::digest(&reply.body)));
            let matches = if_none_match.as_deref().is_some_and(|h| {
                h.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == etag || t == "*")
            });
            if matches {
                reply = Reply::new(304, Vec::new()).free();
            }
            reply.headers.push(("etag".into(), etag));
        }
        if let (Some(res), true) = (resource, reply.charged) {
            self.bucket(res).spend();
            entry.resource = Some(res.to_string());
        }
        // Rate-limit headers on every API response; injected ones win.
        if !ctx.path.starts_with("/download/") {
            let res = resource.unwrap_or("core");
            let mut headers = rate_headers(self.bucket(res), res);
            headers.push((
                "x-github-api-version-selected".into(),
                api_version.unwrap_or_else(|| API_VERSIONS[0].to_string()),
            ));
            headers.push((
                "x-github-request-id".into(),
                format!("FAKE:{}", self.http.log.len() + 1),
            ));
            reply.add_missing_headers(headers);
        }
        (reply, entry)
    }

    fn panicked() -> Reply {
        Reply::error(500, "the fake GitHub panicked")
    }
}

impl State {
    /// Injection, authentication and rate limiting, then routing.
    fn handle_checked(
        &mut self,
        ctx: &mut Ctx,
        resource: Option<&str>,
        authorization: Option<String>,
        api_version: Option<&str>,
    ) -> Reply {
        if let Some(res) = resource {
            self.bucket(res).refresh();
        }
        if let Some(f) = self
            .http
            .failures
            .take(&format!("{} {}", ctx.method, ctx.path))
        {
            return injected(f.status, &f.headers).free();
        }
        if ctx.path.starts_with("/download/") {
            return self.download(ctx).free();
        }
        if let Some(v) = api_version
            && !API_VERSIONS.contains(&v)
        {
            return Reply::error(400, &format!("API version {v} is not supported.")).free();
        }
        let credential = credential(authorization.as_deref(), &["bearer", "token"]);
        let segments = segments(&ctx.path, 1);
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        if let ("POST", ["app", "installations", id, "access_tokens"]) =
            (ctx.method.as_str(), &segs[..])
        {
            return self.installation_token(ctx, id, credential);
        }
        match &credential {
            _ if self.tokens.is_empty() => {}
            Some(t) if self.tokens.contains_key(t) => ctx.login = self.tokens[t].clone(),
            _ if authorization.is_none() => {
                return Reply::error(401, "Requires authentication").free();
            }
            _ => return Reply::error(401, "Bad credentials").free(),
        }
        if let Some(res) = resource
            && self.bucket(res).remaining == 0
        {
            return Reply::json(
                403,
                &json!({
                    "message": RATE_LIMITED,
                    "documentation_url": RATE_DOCS,
                    "status": "403",
                }),
            )
            .free();
        }
        let fault = self.http.failures.write(&ctx.method, &ctx.path);
        if let Some(Fault::Refuse(f)) = &fault {
            return injected(f.status, &f.headers);
        }
        let result = match (ctx.method.as_str(), &segs[..]) {
            ("GET", ["rate_limit"]) => Ok(Reply::json(
                200,
                &json!({
                    "rate": bucket_json(&self.core),
                    "resources": {"core": bucket_json(&self.core), "search": bucket_json(&self.search),
                        "graphql": {"limit": 5000, "remaining": 5000, "reset": self.core.reset, "used": 0}},
                }),
            )
            .free()),
            ("GET", ["search", "issues"]) => self.search_issues(ctx),
            // A bot's installation token may not read `/user`; GraphQL's
            // `viewer` answers every kind of token, as on GitHub.
            ("GET", ["user"]) if ctx.login.ends_with("[bot]") => Err(Reply::error(
                403,
                "Resource not accessible by integration",
            )),
            ("GET", ["user"]) => Ok(Reply::json(200, &user_json(&ctx.base, &ctx.login))),
            ("POST", ["graphql"]) => {
                let query: Value = serde_json::from_slice(&ctx.body).unwrap_or(Value::Null);
                let q = query["query"].as_str().unwrap_or_default().replace(' ', "");
                if q.contains("{viewer{login}}") {
                    Ok(Reply::json(200, &json!({"data": {"viewer": {"login": ctx.login}}})))
                } else {
                    Ok(Reply::json(200, &json!({"errors": [{"message": "the fake GitHub answers only `{ viewer { login } }`"}]})))
                }
            }
            ("GET", ["orgs", org, "teams", slug, "memberships", user]) => {
                let k = (
                    org.to_ascii_lowercase(),
                    slug.to_ascii_lowercase(),
                    user.to_ascii_lowercase(),
                );
                if self.teams.contains(&k) {
                    let team_id = small_hash(&format!("{org}/{slug}"));
                    let url = format!(
                        "{}/organizations/{}/team/{team_id}/memberships/{user}",
                        ctx.base,
                        small_hash(org)
                    );
                    Ok(Reply::json(
                        200,
                        &json!({"url": url, "role": "member", "state": "active"}),
                    ))
                } else {
                    Err(Reply::error(404, "Not Found"))
                }
            }
            (_, ["repos", owner, repo, rest @ ..]) => match self.repos.get_mut(&key(owner, repo)) {
                Some(r) => r.route(ctx, rest),
                None => Err(Reply::error(404, "Not Found")),
            },
            _ => Err(Reply::error(404, "Not Found")),
        };
        let reply = result.unwrap_or_else(|e| e);
        match fault {
            Some(Fault::Lose(f)) => injected(f.status, &f.headers),
            Some(Fault::Stall) => reply.stalled(),
            _ => reply,
        }
    }

    fn installation_token(&mut self, ctx: &Ctx, id: &str, jwt: Option<String>) -> Reply {
        let is_jwt = jwt
            .as_deref()
            .is_some_and(|j| j.split('.').count() == 3 && j.split('.').all(|p| !p.is_empty()));
        let Some(jwt) = jwt.filter(|_| is_jwt) else {
            return Reply::error(401, "A JSON web token could not be decoded").free();
        };
        let Ok(id) = id.parse::<u64>() else {
            return Reply::error(404, "Not Found");
        };
        let body = match ctx.json_body() {
            Ok(b) => b,
            Err(e) => return e,
        };
        let n = self.installations.len();
        let seed = format!("{id}/{jwt}/{n}/{:?}", SystemTime::now());
        let token = format!("ghs_{}", &hex(&Sha256::digest(seed.as_bytes()))[..36]);
        self.tokens.insert(token.clone(), DEFAULT_LOGIN.to_string());
        self.installations.push((id, jwt, token.clone()));
        let expires = OffsetDateTime::now_utc() + time::Duration::hours(1);
        let permissions = body
            .get("permissions")
            .filter(|p| p.is_object())
            .cloned()
            .unwrap_or_else(|| json!({"issues": "write", "contents": "read", "metadata": "read"}));
        Reply::json(
            201,
            &json!({"token": token, "expires_at": ts(expires), "permissions": permissions,
                    "repository_selection": "all"}),
        )
        .free()
    }

    fn download(&self, ctx: &Ctx) -> Reply {
        let segs = segments(&ctx.path, 2);
        let [owner, repo, tag, name] = &segs[..] else {
            return Reply::new(404, b"Not Found".to_vec());
        };
        if ctx.method != "GET" {
            return Reply::new(404, b"Not Found".to_vec());
        }
        let asset = self.repos.get(&key(owner, repo)).and_then(|r| {
            let rel = r.releases.iter().find(|rel| &rel.tag == tag)?;
            rel.assets.iter().find(|a| &a.name == name)
        });
        match asset {
            Some(a) => Reply::bytes(&a.data),
            None => Reply::new(404, b"Not Found".to_vec()),
        }
    }

    fn search_issues(&self, ctx: &Ctx) -> Result<Reply, Reply> {
        let q = ctx.q("q").unwrap_or_default();
        if q.trim().is_empty() {
            return Err(validation("Search", "q", "missing"));
        }
        let mut repo_filter = Vec::new();
        let mut labels = Vec::new();
        let mut texts = Vec::new();
        let (mut in_title, mut in_body) = (false, false);
        let mut state = None;
        let mut want_issue = true;
        for tok in tokens(&q) {
            match tok.split_once(':') {
                Some(("repo", r)) if !tok.starts_with('"') => {
                    repo_filter.push(r.to_ascii_lowercase())
                }
                Some(("label", l)) if !tok.starts_with('"') => {
                    labels.push(unquote(l).to_ascii_lowercase())
                }
                Some(("in", w)) if !tok.starts_with('"') => {
                    in_title |= w.split(',').any(|w| w == "title");
                    in_body |= w.split(',').any(|w| w == "body");
                }
                Some(("is" | "state", "open")) => state = Some(true),
                Some(("is" | "state", "closed")) => state = Some(false),
                Some(("is" | "type", "issue")) => {}
                Some(("is" | "type", "pr" | "pull-request")) => want_issue = false,
                _ => texts.push(unquote(&tok).to_lowercase()),
            }
        }
        if !in_title && !in_body {
            (in_title, in_body) = (true, true);
        }
        let mut items = Vec::new();
        for (k, r) in &self.repos {
            if !repo_filter.is_empty() && !repo_filter.contains(k) {
                continue;
            }
            for i in r.issues.iter().rev() {
                let hay_title = i.title.to_lowercase();
                let hay_body = i.body.clone().unwrap_or_default().to_lowercase();
                let text_ok = texts.iter().all(|t| {
                    (in_title && hay_title.contains(t)) || (in_body && hay_body.contains(t))
                });
                let labels_ok = labels
                    .iter()
                    .all(|l| i.labels.iter().any(|il| il.to_ascii_lowercase() == *l));
                if want_issue && text_ok && labels_ok && state.is_none_or(|s| s == i.open) {
                    let mut v = r.issue_json(i);
                    v["score"] = json!(1.0);
                    items.push(v);
                }
            }
        }
        let total = items.len();
        let (page, headers) = ctx.paginate(items);
        let mut reply = Reply::json(
            200,
            &json!({"total_count": total, "incomplete_results": false, "search_type": "lexical", "items": page}),
        );
        reply.headers.extend(headers);
        Ok(reply)
    }
}

// ---------------------------------------------------------------- requests

struct Ctx {
    method: String,
    path: String,
    raw_query: String,
    query: Vec<(String, String)>,
    body: Vec<u8>,
    accept: String,
    login: String,
    base: String,
    page_cap: usize,
}

impl Ctx {
    fn q(&self, name: &str) -> Option<String> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }

    fn json_body(&self) -> Result<Map<String, Value>, Reply> {
        json_object(&self.body)
            .map(Option::unwrap_or_default)
            .map_err(|()| Reply::error(400, "Problems parsing JSON"))
    }

    /// This request's page of `items` and the `Link` header, as GitHub
    /// formats it (prev, next, last, first; absolute URLs).
    fn paginate(&self, items: Vec<Value>) -> (Vec<Value>, Vec<(String, String)>) {
        let at = PageQuery::new(&self.base, &self.path, &self.raw_query, self.page_cap);
        PAGES.paginate(&at, self.q("per_page"), self.q("page"), items)
    }
}

/// GitHub's replies: JSON as `application/json; charset=utf-8`, errors as
/// `{"message", "documentation_url", "status"}`.
trait GitHubReply {
    fn json(status: u16, v: &Value) -> Reply;
    fn error(status: u16, message: &str) -> Reply;
}

impl GitHubReply for Reply {
    fn json(status: u16, v: &Value) -> Reply {
        Reply::json_as(status, v, "application/json; charset=utf-8")
    }

    fn error(status: u16, message: &str) -> Reply {
        Reply::json(
            status,
            &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}),
        )
    }
}

fn validation(resource: &str, field: &str, code: &str) -> Reply {
    Reply::json(
        422,
        &json!({
            "message": "Validation Failed",
            "errors": [{"resource": resource, "code": code, "field": field}],
            "documentation_url": DOCS,
            "status": "422",
        }),
    )
}

fn injected(status: u16, headers: &[(String, String)]) -> Reply {
    let has = |name: &str, value: &str| {
        headers
            .iter()
            .any(|(k, v)| k.eq_ignore_ascii_case(name) && v == value)
    };
    let message = match status {
        401 => "Bad credentials",
        403 if has("x-ratelimit-remaining", "0") => RATE_LIMITED,
        403 | 429 => {
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
        }
        404 => "Not Found",
        409 => "Conflict",
        422 => "Validation Failed",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        500..=599 => "Server Error",
        _ => "Injected failure",
    };
    let mut reply = Reply::error(status, message);
    reply.override_headers(headers);
    reply
}

// ---------------------------------------------------------------- repos

struct Issue {
    id: u64,
    number: u64,
    title: String,
    body: Option<String>,
    labels: Vec<String>,
    open: bool,
    state_reason: Option<String>,
    user: String,
    created_at: String,
    updated_at: String,
    closed_at: Option<String>,
    closed_by: Option<String>,
}

struct Comment {
    id: u64,
    issue: u64,
    body: String,
    user: String,
    created_at: String,
    updated_at: String,
}

struct Event {
    id: u64,
    issue: u64,
    actor: String,
    event: &'static str,
    /// `(name, color)` for `labeled`/`unlabeled`.
    label: Option<(String, String)>,
    created_at: String,
}

struct Release {
    id: u64,
    tag: String,
    body: String,
    author: String,
    created_at: String,
    assets: Vec<Asset>,
}

struct Asset {
    id: u64,
    name: String,
    data: Vec<u8>,
    digest: String,
    created_at: String,
}

struct Repo {
    base: String,
    owner: String,
    name: String,
    /// Lowercase login → role.
    permissions: HashMap<String, String>,
    /// Repository files served by the contents API, by path.
    files: HashMap<String, String>,
    issues: Vec<Issue>,
    labels: Vec<Label>,
    comments: Vec<Comment>,
    events: Vec<Event>,
    releases: Vec<Release>,
    /// The last id given out.
    seq: u64,
}

impl Repo {
    fn new(base: &str, owner: &str, name: &str, index: u64) -> Repo {
        Repo {
            base: base.to_string(),
            owner: owner.to_string(),
            name: name.to_string(),
            seq: index * 1_000_000,
            issues: Vec::new(),
            labels: Vec::new(),
            comments: Vec::new(),
            events: Vec::new(),
            releases: Vec::new(),
            permissions: HashMap::new(),
            files: HashMap::new(),
        }
    }

    fn next_id(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn api(&self) -> String {
        format!("{}/repos/{}/{}", self.base, self.owner, self.name)
    }

    fn route(&mut self, ctx: &Ctx, rest: &[&str]) -> Res {
        let num = |s: &str| s.parse::<u64>().map_err(|_| Reply::error(404, "Not Found"));
        match (ctx.method.as_str(), rest) {
            ("GET", ["issues"]) => {
                let state = ctx.q("state").unwrap_or_else(|| "open".into());
                let want: Vec<String> = ctx
                    .q("labels")
                    .unwrap_or_default()
                    .split(',')
                    .map(|l| l.trim().to_ascii_lowercase())
                    .filter(|l| !l.is_empty())
                    .collect();
                let mut found: Vec<&Issue> = self
                    .issues
                    .iter()
                    .filter(|i| match state.as_str() {
                        "closed" => !i.open,
                        "all" => true,
                        _ => i.open,
                    })
                    .filter(|i| {
                        want.iter()
                            .all(|w| i.labels.iter().any(|l| l.to_ascii_lowercase() == *w))
                    })
                    .collect();
                // GitHub's default: sort=created, direction=desc.
                if ctx.q("sort").as_deref() == Some("updated") {
                    found.sort_by(|a, b| (&a.updated_at, a.number).cmp(&(&b.updated_at, b.number)));
                }
                if ctx.q("direction").as_deref() != Some("asc") {
                    found.reverse();
                }
                Ok(page_reply(
                    ctx,
                    found.iter().map(|i| self.issue_json(i)).collect(),
                ))
            }
            ("POST", ["issues"]) => {
                let b = ctx.json_body()?;
                let title = match b.get("title") {
                    Some(Value::String(t)) if !t.is_empty() => t.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return Err(validation("Issue", "title", "missing_field")),
                };
                let body = b.get("body").and_then(Value::as_str).map(str::to_string);
                let labels = label_names(b.get("labels"))?;
                let n = self.create_issue(&ctx.login, &title, body, &labels);
                let v = self.issue_json(&self.issues[self.issue_idx(n)?]);
                let loc = v["url"].as_str().unwrap_or_default().to_string();
                Ok(Reply::json(201, &v).header("location", &loc))
            }
            ("GET", ["issues", "comments", id]) => {
                let id = num(id)?;
                let c = self.comments.iter().find(|c| c.id == id);
                let c = c.ok_or_else(|| Reply::error(404, "Not Found"))?;
                Ok(Reply::json(200, &self.comment_json(c)))
            }
            ("PATCH", ["issues", "comments", id]) => {
                let id = num(id)?;
                let b = ctx.json_body()?;
                let Some(body) = b.get("body").and_then(Value::as_str) else {
                    return Err(validation("IssueComment", "body", "missing_field"));
                };
                let c = self.comments.iter_mut().find(|c| c.id == id);
                let c = c.ok_or_else(|| Reply::error(404, "Not Found"))?;
                if c.body != body {
                    c.body = body.to_string();
                    c.updated_at = now();
                }
                let c = self.comments.iter().find(|c| c.id == id);
                Ok(Reply::json(200, &self.comment_json(c.expect("just found"))))
            }
            ("PATCH", ["issues", n]) => self.update_issue(ctx, num(n)?),
            ("GET", ["issues", n]) => {
                let i = self.issue_idx(num(n)?)?;
                Ok(Reply::json(200, &self.issue_json(&self.issues[i])))
            }
            ("GET", ["issues", n, "comments"]) => {
                let n = num(n)?;
                self.issue_idx(n)?;
                let c = self.comments.iter().filter(|c| c.issue == n);
                Ok(page_reply(ctx, c.map(|c| self.comment_json(c)).collect()))
            }
            ("POST", ["issues", n, "comments"]) => {
                let n = num(n)?;
                let i = self.issue_idx(n)?;
                let b = ctx.json_body()?;
                let Some(body) = b
                    .get("body")
                    .and_then(Value::as_str)
                    .filter(|b| !b.is_empty())
                else {
                    return Err(validation("IssueComment", "body", "missing_field"));
                };
                let now = now();
                let c = Comment {
                    id: self.next_id(),
                    issue: n,
                    body: body.to_string(),
                    user: ctx.login.clone(),
                    created_at: now.clone(),
                    updated_at: now.clone(),
                };
                self.issues[i].updated_at = now;
                let v = self.comment_json(&c);
                self.comments.push(c);
                let loc = v["url"].as_str().unwrap_or_default().to_string();
                Ok(Reply::json(201, &v).header("location", &loc))
            }
            ("GET", ["issues", n, "events"]) => {
                let n = num(n)?;
                self.issue_idx(n)?;
                let e = self.events.iter().filter(|e| e.issue == n);
                Ok(page_reply(ctx, e.map(|e| self.event_json(e)).collect()))
            }
            ("GET", ["issues", n, "labels"]) => {
                let i = self.issue_idx(num(n)?)?;
                Ok(page_reply(ctx, self.labels_of(&self.issues[i])))
            }
            (m @ ("POST" | "PUT"), ["issues", n, "labels"]) => {
                let n = num(n)?;
                let i = self.issue_idx(n)?;
                let v: Value = if ctx.body.iter().all(u8::is_ascii_whitespace) {
                    json!([])
                } else {
                    serde_json::from_slice(&ctx.body)
                        .map_err(|_| Reply::error(400, "Problems parsing JSON"))?
                };
                let names = match v {
                    Value::Object(o) => label_names(o.get("labels"))?,
                    arr @ Value::Array(_) => label_names(Some(&arr))?,
                    _ => return Err(Reply::error(400, "Problems parsing JSON")),
                };
                let mut wanted = if m == "PUT" {
                    Vec::new()
                } else {
                    self.issues[i].labels.clone()
                };
                for name in names {
                    let name = self.ensure_label(&name);
                    if !wanted.contains(&name) {
                        wanted.push(name);
                    }
                }
                self.set_labels(&ctx.login, n, wanted);
                Ok(Reply::json(
                    200,
                    &Value::Array(self.labels_of(&self.issues[i])),
                ))
            }
            ("DELETE", ["issues", n, "labels"]) => {
                let n = num(n)?;
                let i = self.issue_idx(n)?;
                self.set_labels(&ctx.login, n, Vec::new());
                self.issues[i].updated_at = now();
                Ok(Reply::new(204, Vec::new()))
            }
            ("DELETE", ["issues", n, "labels", name]) => {
                let n = num(n)?;
                let i = self.issue_idx(n)?;
                let lower = name.to_ascii_lowercase();
                let mut labels = self.issues[i].labels.clone();
                let Some(pos) = labels.iter().position(|l| l.to_ascii_lowercase() == lower) else {
                    return Err(Reply::error(404, "Label does not exist"));
                };
                labels.remove(pos);
                self.set_labels(&ctx.login, n, labels);
                Ok(Reply::json(
                    200,
                    &Value::Array(self.labels_of(&self.issues[i])),
                ))
            }
            ("GET", ["labels"]) => {
                let items = self.labels.iter().map(|l| self.label_json(l)).collect();
                Ok(page_reply(ctx, items))
            }
            ("POST", ["labels"]) => {
                let b = ctx.json_body()?;
                let Some(name) = b
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                else {
                    return Err(validation("Label", "name", "missing_field"));
                };
                if self.find_label(name).is_some() {
                    return Err(validation("Label", "name", "already_exists"));
                }
                let color = color_of(&b)?.unwrap_or_else(|| "ededed".into());
                let description = b
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let id = self.next_id();
                let label = Label {
                    id,
                    name: name.to_string(),
                    color,
                    description,
                };
                let v = self.label_json(&label);
                self.labels.push(label);
                Ok(Reply::json(201, &v))
            }
            ("GET", ["labels", name]) => {
                let l = self
                    .find_label(name)
                    .ok_or_else(|| Reply::error(404, "Not Found"))?;
                Ok(Reply::json(200, &self.label_json(&self.labels[l])))
            }
            ("PATCH", ["labels", name]) => {
                let l = self
                    .find_label(name)
                    .ok_or_else(|| Reply::error(404, "Not Found"))?;
                let b = ctx.json_body()?;
                let color = color_of(&b)?;
                if let Some(new) = b
                    .get("new_name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                {
                    if self.find_label(new).is_some_and(|o| o != l) {
                        return Err(validation("Label", "name", "already_exists"));
                    }
                    let old = std::mem::replace(&mut self.labels[l].name, new.to_string());
                    for i in &mut self.issues {
                        for il in &mut i.labels {
                            if *il == old {
                                *il = new.to_string();
                            }
                        }
                    }
                }
                if let Some(c) = color {
                    self.labels[l].color = c;
                }
                match b.get("description") {
                    Some(Value::String(d)) => self.labels[l].description = Some(d.clone()),
                    Some(Value::Null) => self.labels[l].description = None,
                    _ => {}
                }
                Ok(Reply::json(200, &self.label_json(&self.labels[l])))
            }
            ("DELETE", ["labels", name]) => {
                let l = self
                    .find_label(name)
                    .ok_or_else(|| Reply::error(404, "Not Found"))?;
                let gone = self.labels.remove(l).name;
                for i in &mut self.issues {
                    i.labels.retain(|x| *x != gone);
                }
                Ok(Reply::new(204, Vec::new()))
            }
            ("GET", ["contents", path @ ..]) if !path.is_empty() => {
                let path = path.join("/");
                let text = self
                    .files
                    .get(&path)
                    .ok_or_else(|| Reply::error(404, "Not Found"))?;
                let html = format!(
                    "https://github.com/{}/{}/blob/main/{path}",
                    self.owner, self.name
                );
                let api = format!(
                    "{}/repos/{}/{}/contents/{path}",
                    self.base, self.owner, self.name
                );
                let sha = hex(&Sha256::digest(text.as_bytes()))[..40].to_string();
                let git = format!(
                    "{}/repos/{}/{}/git/blobs/{sha}",
                    self.base, self.owner, self.name
                );
                Ok(Reply::json(
                    200,
                    &json!({
                        "type": "file", "encoding": "base64", "size": text.len(),
                        "name": path.rsplit('/').next().unwrap_or(&path), "path": path,
                        "content": base64_lines(text.as_bytes()), "sha": sha,
                        "url": api, "git_url": git, "html_url": html,
                        "download_url": format!("https://raw.githubusercontent.com/{}/{}/main/{path}", self.owner, self.name),
                        "_links": { "self": api, "git": git, "html": html },
                    }),
                ))
            }
            ("GET", ["releases"]) => {
                let items = self
                    .releases
                    .iter()
                    .rev()
                    .map(|r| self.release_json(r))
                    .collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["releases", "tags", tag]) => {
                let r = self.releases.iter().find(|r| r.tag == *tag);
                let r = r.ok_or_else(|| Reply::error(404, "Not Found"))?;
                Ok(Reply::json(200, &self.release_json(r)))
            }
            ("GET", ["releases", "assets", id]) => {
                let id = num(id)?;
                let found = self.releases.iter().find_map(|r| {
                    let a = r.assets.iter().find(|a| a.id == id)?;
                    Some((r, a))
                });
                let (r, a) = found.ok_or_else(|| Reply::error(404, "Not Found"))?;
                if ctx.accept.contains("application/octet-stream") {
                    Ok(Reply::bytes(&a.data))
                } else {
                    Ok(Reply::json(200, &self.asset_json(r, a)))
                }
            }
            ("GET", ["releases", id]) => {
                let id = num(id)?;
                let r = self.releases.iter().find(|r| r.id == id);
                let r = r.ok_or_else(|| Reply::error(404, "Not Found"))?;
                Ok(Reply::json(200, &self.release_json(r)))
            }
            ("GET", ["releases", id, "assets"]) => {
                let id = num(id)?;
                let r = self.releases.iter().find(|r| r.id == id);
                let r = r.ok_or_else(|| Reply::error(404, "Not Found"))?;
                Ok(page_reply(
                    ctx,
                    r.assets.iter().map(|a| self.asset_json(r, a)).collect(),
                ))
            }
            ("GET", ["collaborators", user, "permission"]) => {
                let role = self
                    .permissions
                    .get(&user.to_ascii_lowercase())
                    .cloned()
                    .unwrap_or_else(|| "none".into());
                let permission = match role.as_str() {
                    "admin" => "admin",
                    "maintain" | "write" => "write",
                    "triage" | "read" => "read",
                    _ => "none",
                };
                let rank = ["read", "triage", "write", "maintain", "admin"]
                    .iter()
                    .position(|r| *r == role)
                    .map_or(0, |p| p + 1);
                let mut u = user_json(&self.base, user);
                u["role_name"] = json!(role);
                u["permissions"] = json!({"pull": rank >= 1, "triage": rank >= 2, "push": rank >= 3,
                                          "maintain": rank >= 4, "admin": rank >= 5});
                Ok(Reply::json(
                    200,
                    &json!({"permission": permission, "role_name": role, "user": u}),
                ))
            }
            _ => Err(Reply::error(404, "Not Found")),
        }
    }

    fn issue_idx(&self, number: u64) -> Result<usize, Reply> {
        self.issues
            .iter()
            .position(|i| i.number == number)
            .ok_or_else(|| Reply::error(404, "Not Found"))
    }

    fn find_label(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.labels
            .iter()
            .position(|l| l.name.to_ascii_lowercase() == lower)
    }

    /// The label's canonical name, creating it (colour `ededed`) if needed.
    fn ensure_label(&mut self, name: &str) -> String {
        if let Some(l) = self.find_label(name) {
            return self.labels[l].name.clone();
        }
        let id = self.next_id();
        self.labels.push(Label {
            id,
            name: name.to_string(),
            color: "ededed".into(),
            description: None,
        });
        name.to_string()
    }

    fn create_issue(
        &mut self,
        user: &str,
        title: &str,
        body: Option<String>,
        labels: &[String],
    ) -> u64 {
        let number = self.issues.iter().map(|i| i.number).max().unwrap_or(0) + 1;
        let now = now();
        let id = self.next_id();
        self.issues.push(Issue {
            id,
            number,
            title: title.to_string(),
            body,
            labels: Vec::new(),
            open: true,
            state_reason: None,
            user: user.to_string(),
            created_at: now.clone(),
            updated_at: now,
            closed_at: None,
            closed_by: None,
        });
        let mut names = Vec::new();
        for l in labels {
            let l = self.ensure_label(l);
            if !names.contains(&l) {
                names.push(l);
            }
        }
        self.set_labels(user, number, names);
        number
    }

    /// Replaces the issue's labels, recording `labeled`/`unlabeled` events.
    fn set_labels(&mut self, actor: &str, number: u64, labels: Vec<String>) {
        let Ok(i) = self.issue_idx(number) else {
            return;
        };
        let before = std::mem::take(&mut self.issues[i].labels);
        let removed: Vec<&String> = before.iter().filter(|l| !labels.contains(l)).collect();
        let added: Vec<&String> = labels.iter().filter(|l| !before.contains(l)).collect();
        let changes: Vec<(&'static str, String)> = removed
            .iter()
            .map(|l| ("unlabeled", l.to_string()))
            .chain(added.iter().map(|l| ("labeled", l.to_string())))
            .collect();
        if !changes.is_empty() {
            self.issues[i].updated_at = now();
        }
        self.issues[i].labels = labels;
        for (event, label) in changes {
            let color = self
                .find_label(&label)
                .map_or_else(|| "ededed".to_string(), |l| self.labels[l].color.clone());
            self.record(number, actor, event, Some((label, color)));
        }
    }

    fn record(
        &mut self,
        issue: u64,
        actor: &str,
        event: &'static str,
        label: Option<(String, String)>,
    ) {
        let id = self.next_id();
        self.events.push(Event {
            id,
            issue,
            actor: actor.to_string(),
            event,
            label,
            created_at: now(),
        });
    }

    fn update_issue(&mut self, ctx: &Ctx, number: u64) -> Res {
        let i = self.issue_idx(number)?;
        let b = ctx.json_body()?;
        let state = match b.get("state") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s == "open" => Some(true),
            Some(Value::String(s)) if s == "closed" => Some(false),
            _ => return Err(validation("Issue", "state", "invalid")),
        };
        let reason = match b.get("state_reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(s))
                if ["completed", "not_planned", "reopened", "duplicate"].contains(&s.as_str()) =>
            {
                Some(s.clone())
            }
            _ => return Err(validation("Issue", "state_reason", "invalid")),
        };
        let labels = match b.get("labels") {
            None | Some(Value::Null) => None,
            l => Some(label_names(l)?),
        };
        let mut changed = false;
        match b.get("title") {
            Some(Value::String(t)) if t.is_empty() => {
                return Err(validation("Issue", "title", "missing_field"));
            }
            Some(Value::String(t)) if *t != self.issues[i].title => {
                self.issues[i].title = t.clone();
                changed = true;
            }
            _ => {}
        }
        if let Some(body) = b.get("body") {
            let body = body.as_str().map(str::to_string);
            if body != self.issues[i].body {
                self.issues[i].body = body;
                changed = true;
            }
        }
        if let Some(open) = state
            && open != self.issues[i].open
        {
            changed = true;
            let now = now();
            let issue = &mut self.issues[i];
            issue.open = open;
            if open {
                issue.closed_at = None;
                issue.closed_by = None;
                issue.state_reason = Some("reopened".into());
                self.record(number, &ctx.login, "reopened", None);
            } else {
                issue.closed_at = Some(now);
                issue.closed_by = Some(ctx.login.clone());
                issue.state_reason = Some(reason.clone().unwrap_or_else(|| "completed".into()));
                self.record(number, &ctx.login, "closed", None);
            }
        } else if let Some(r) = reason
            && !self.issues[i].open
            && self.issues[i].state_reason.as_deref() != Some(r.as_str())
        {
            self.issues[i].state_reason = Some(r);
            changed = true;
        }
        if changed {
            self.issues[i].updated_at = now();
        }
        if let Some(labels) = labels {
            let mut names = Vec::new();
            for l in labels {
                let l = self.ensure_label(&l);
                if !names.contains(&l) {
                    names.push(l);
                }
            }
            self.set_labels(&ctx.login, number, names);
        }
        Ok(Reply::json(200, &self.issue_json(&self.issues[i])))
    }

    fn association(&self, login: &str) -> &'static str {
        if login.eq_ignore_ascii_case(&self.owner) {
            return "OWNER";
        }
        match self
            .permissions
            .get(&login.to_ascii_lowercase())
            .map(String::as_str)
        {
            Some("admin" | "maintain" | "write" | "triage") => "COLLABORATOR",
            _ => "NONE",
        }
    }

    fn label_json(&self, l: &Label) -> Value {
        json!({
            "id": l.id,
            "node_id": node_id("LA", l.id),
            "url": format!("{}/labels/{}", self.api(), pct_encode(&l.name)),
            "name": l.name,
            "color": l.color,
            "default": false,
            "description": l.description,
        })
    }

    fn labels_of(&self, i: &Issue) -> Vec<Value> {
        i.labels
            .iter()
            .filter_map(|n| self.find_label(n))
            .map(|l| self.label_json(&self.labels[l]))
            .collect()
    }

    fn issue_json(&self, i: &Issue) -> Value {
        let api = self.api();
        let url = format!("{api}/issues/{}", i.number);
        let comments = self.comments.iter().filter(|c| c.issue == i.number).count();
        let mut v = json!({
            "id": i.id,
            "node_id": node_id("I_kwDO", i.id),
            "url": url,
            "repository_url": api,
            "labels_url": format!("{url}/labels{{/name}}"),
            "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"),
            "html_url": format!("https://github.com/{}/{}/issues/{}", self.owner, self.name, i.number),
            "timeline_url": format!("{url}/timeline"),
            "number": i.number,
            "state": if i.open { "open" } else { "closed" },
            "state_reason": i.state_reason,
            "title": i.title,
            "body": i.body,
            "user": user_json(&self.base, &i.user),
            "labels": self.labels_of(i),
            "assignee": null,
            "assignees": [],
            "milestone": null,
            "locked": false,
            "active_lock_reason": null,
            "comments": comments,
        });
        let more = json!({
            "closed_at": i.closed_at,
            "closed_by": i.closed_by.as_deref().map(|u| user_json(&self.base, u)),
            "created_at": i.created_at,
            "updated_at": i.updated_at,
            "author_association": self.association(&i.user),
            "performed_via_github_app": null,
            "reactions": reactions(&format!("{url}/reactions")),
        });
        extend(&mut v, more);
        v
    }

    fn comment_json(&self, c: &Comment) -> Value {
        let api = self.api();
        json!({
            "id": c.id,
            "node_id": node_id("IC_kwDO", c.id),
            "url": format!("{api}/issues/comments/{}", c.id),
            "html_url": format!("https://github.com/{}/{}/issues/{}#issuecomment-{}", self.owner, self.name, c.issue, c.id),
            "issue_url": format!("{api}/issues/{}", c.issue),
            "body": c.body,
            "user": user_json(&self.base, &c.user),
            "created_at": c.created_at,
            "updated_at": c.updated_at,
            "author_association": self.association(&c.user),
            "performed_via_github_app": null,
            "reactions": reactions(&format!("{api}/issues/comments/{}/reactions", c.id)),
        })
    }

    fn event_json(&self, e: &Event) -> Value {
        let mut v = json!({
            "id": e.id,
            "node_id": node_id("LE_lADO", e.id),
            "url": format!("{}/issues/events/{}", self.api(), e.id),
            "actor": user_json(&self.base, &e.actor),
            "event": e.event,
            "commit_id": null,
            "commit_url": null,
            "created_at": e.created_at,
            "performed_via_github_app": null,
        });
        if let Some((name, color)) = &e.label {
            v["label"] = json!({"name": name, "color": color});
        }
        v
    }

    fn release_json(&self, r: &Release) -> Value {
        let api = self.api();
        let url = format!("{api}/releases/{}", r.id);
        json!({
            "url": url,
            "html_url": format!("https://github.com/{}/{}/releases/tag/{}", self.owner, self.name, r.tag),
            "assets_url": format!("{url}/assets"),
            "upload_url": format!("{url}/assets{{?name,label}}"),
            "tarball_url": format!("{api}/tarball/{}", r.tag),
            "zipball_url": format!("{api}/zipball/{}", r.tag),
            "id": r.id,
            "node_id": node_id("RE_kwDO", r.id),
            "tag_name": r.tag,
            "target_commitish": "main",
            "name": r.tag,
            "body": r.body,
            "draft": false,
            "prerelease": false,
            "immutable": false,
            "created_at": r.created_at,
            "published_at": r.created_at,
            "updated_at": r.created_at,
            "author": user_json(&self.base, &r.author),
            "assets": r.assets.iter().map(|a| self.asset_json(r, a)).collect::<Vec<_>>(),
        })
    }

    fn asset_json(&self, r: &Release, a: &Asset) -> Value {
        json!({
            "url": format!("{}/releases/assets/{}", self.api(), a.id),
            "browser_download_url": format!("{}/download/{}/{}/{}/{}", self.base, self.owner, self.name,
                pct_encode(&r.tag), pct_encode(&a.name)),
            "id": a.id,
            "node_id": node_id("RA_kwDO", a.id),
            "name": a.name,
            "label": "",
            "state": "uploaded",
            "content_type": content_type(&a.name),
            "size": a.data.len(),
            "digest": a.digest,
            "download_count": 0,
            "created_at": a.created_at,
            "updated_at": a.created_at,
            "uploader": user_json(&self.base, &r.author),
        })
    }
}

fn page_reply(ctx: &Ctx, items: Vec<Value>) -> Reply {
    let (page, headers) = ctx.paginate(items);
    let mut reply = Reply::json(200, &Value::Array(page));
    reply.headers.extend(headers);
    reply
}

/// Label names from a `labels` value: strings or `{name}` objects.
fn label_names(v: Option<&Value>) -> Result<Vec<String>, Reply> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Some(items) = v.as_array() else {
        return Err(validation("Label", "labels", "invalid"));
    };
    let mut names = Vec::new();
    for item in items {
        let name = match item {
            Value::String(s) => s.as_str(),
            Value::Object(o) => o.get("name").and_then(Value::as_str).unwrap_or_default(),
            _ => "",
        };
        if name.trim().is_empty() {
            return Err(validation("Label", "name", "invalid"));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

fn color_of(b: &Map<String, Value>) -> Result<Option<String>, Reply> {
    let Some(c) = b.get("color").and_then(Value::as_str) else {
        return Ok(None);
    };
    let c = c.trim_start_matches('#');
    if c.len() == 6 && c.chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(Some(c.to_ascii_lowercase()))
    } else {
        Err(validation("Label", "color", "invalid"))
    }
}

// ---------------------------------------------------------------- helpers

/// A user object with every field `simple-user` requires.
fn user_json(base: &str, login: &str) -> Value {
    let id = small_hash(&login.to_ascii_lowercase());
    let url = format!("{base}/users/{}", pct_encode(login));
    let mut v = json!({
        "login": login,
        "id": id,
        "node_id": node_id("U_kgDO", id),
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
        "gravatar_id": "",
        "url": url,
        "html_url": format!("https://github.com/{login}"),
    });
    // The user's API links: `{url}/<suffix>`.
    for (field, suffix) in [
        ("followers_url", "/followers"),
        ("following_url", "/following{/other_user}"),
        ("gists_url", "/gists{/gist_id}"),
        ("starred_url", "/starred{/owner}{/repo}"),
        ("subscriptions_url", "/subscriptions"),
        ("organizations_url", "/orgs"),
        ("repos_url", "/repos"),
        ("events_url", "/events{/privacy}"),
        ("received_events_url", "/received_events"),
    ] {
        v[field] = json!(format!("{url}{suffix}"));
    }
    extend(
        &mut v,
        json!({
            "type": if login.ends_with("[bot]") { "Bot" } else { "User" },
            "user_view_type": "public",
            "site_admin": false,
        }),
    );
    v
}

fn reactions(url: &str) -> Value {
    json!({"url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0, "hooray": 0,
           "confused": 0, "heart": 0, "rocket": 0, "eyes": 0})
}

fn node_id(prefix: &str, id: u64) -> String {
    format!("{prefix}{id:010}")
}

/// A stable positive id for a name (user and team ids).
fn small_hash(s: &str) -> u64 {
    let d = Sha256::digest(s.as_bytes());
    u64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]) >> 4) + 1
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "json" => "application/json",
        "rpm" => "application/x-rpm",
        "deb" => "application/vnd.debian.binary-package",
        "gz" | "tgz" => "application/gzip",
        "txt" | "md" => "text/plain",
        _ => "application/octet-stream",
    }
}

fn ts(t: OffsetDateTime) -> String {
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

fn now() -> String {
    ts(OffsetDateTime::now_utc())
}

/// Search query tokens: whitespace-separated, `"quoted phrases"` kept whole
/// (also after a qualifier: `label:"needs review"`).
fn tokens(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for c in q.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                cur.push(c);
            }
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn unquote(s: &str) -> String {
    s.trim_matches('"').to_string()
}

/// Base64 in 60-character lines, as the contents API sends it.
fn base64_lines(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    let mut lined = String::new();
    for (i, c) in out.chars().enumerate() {
        if i > 0 && i % 60 == 0 {
            lined.push('\n');
        }
        lined.push(c);
    }
    lined.push('\n');
    lined
}
