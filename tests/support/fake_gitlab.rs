//! A stateful fake of GitLab's REST API v4, served over real HTTP on
//! `127.0.0.1` under `/api/v4`, for the integration tests of the GitLab tracker.
//!
//! It keeps groups, projects, issues, labels, notes, resource label and state
//! events, repository files, users and memberships in memory, and answers with
//! the JSON shapes of GitLab's documented REST v4 responses (issues, notes,
//! labels, resource label/state events, members, users APIs), GitLab's
//! offset pagination headers (`x-next-page`, `x-total`, `Link`...),
//! `RateLimit-*` headers, 429 with `Retry-After`, and GitLab's error bodies
//! (`{"message": "404 Issue Not Found"}`, `{"error": "title is missing"}`).
//!
//! Behaviour follows GitLab's free tier: scoped labels (`state::x`) are plain
//! labels with no exclusivity; unknown labels named on an issue are created
//! (colour `#6699cc`); the notes API lists system notes next to comments. This
//! fake writes a system note for title, description and label changes (older
//! GitLab listed label changes among notes; newer versions keep them only in
//! `resource_label_events`, which this fake records too), so a client must skip
//! `system: true` notes either way. Tests drive it through [`FakeGitLab`]'s
//! methods (setup, error injection, assertions on state and the request log).

use std::collections::{BTreeMap, HashMap};
use std::sync::MutexGuard;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::fake_http::{
    Bucket, Fault, Forge, Incoming, Label, Logged, PageHeaders, PageQuery, PageStyle, Plumbing,
    RateValue, Reply, Res, Server, credential, extend, hex, is_blank, json_object, parse_query,
    segments,
};

/// The username every [`FakeGitLab::set_token`] token acts as: a project access
/// token's bot user.
pub const DEFAULT_USERNAME: &str = "project_1_bot_umd";
/// GitLab's colour for a label created by naming it on an issue.
const DEFAULT_LABEL_COLOR: &str = "#6699cc";
/// GitLab's offset pagination: 20 a page by default, 100 at most.
const PAGES: PageStyle = PageStyle {
    default_per_page: 20,
    max_per_page: 100,
    headers: PageHeaders::OffsetAndLink,
};

/// Access levels, as GitLab numbers them.
pub const GUEST: u64 = 10;
pub const PLANNER: u64 = 15;
pub const REPORTER: u64 = 20;
pub const DEVELOPER: u64 = 30;
pub const MAINTAINER: u64 = 40;
pub const OWNER: u64 = 50;

/// One request the fake answered, in arrival order.
pub type LoggedRequest = Logged<GitLabLog>;

/// What the fake GitLab logs of a request besides method, path, query,
/// status, `Authorization` and body.
#[derive(Debug, Clone)]
pub struct GitLabLog {
    /// The `PRIVATE-TOKEN` header.
    pub private_token: Option<String>,
}

/// A running fake; the server stops when it is dropped. The controls every
/// fake has (`fail_next`, `set_page_size_cap`, `requests`, `clear_log`) are
/// [`Server`]'s.
pub type FakeGitLab = Server<State>;

impl FakeGitLab {
    /// Binds `127.0.0.1:0` and serves on a background thread until dropped.
    pub fn start() -> FakeGitLab {
        Server::start_with(State::new)
    }

    /// `http://127.0.0.1:PORT/api/v4`, to use as `GITLAB_API_URL`.
    pub fn url(&self) -> String {
        format!("{}/api/v4", self.base())
    }

    fn st(&self) -> MutexGuard<'_, State> {
        self.state()
    }

    /// Creates the project `path` (`group/project`, subgroups allowed) and the
    /// groups above it; returns the project's id.
    pub fn add_project(&self, path: &str) -> u64 {
        let mut st = self.st();
        let (group, _) = path.rsplit_once('/').expect("GROUP/PROJECT");
        st.ensure_group(group);
        if let Some(p) = st.projects.get(&path.to_ascii_lowercase()) {
            return p.id;
        }
        let id = st.projects.len() as u64 + 1;
        let project = Project::new(&st.base, path, id);
        st.projects.insert(path.to_ascii_lowercase(), project);
        id
    }

    /// Creates the group `path` and its parents.
    pub fn add_group(&self, path: &str) {
        self.st().ensure_group(path);
    }

    /// Accepts `token` (as `PRIVATE-TOKEN` or `Authorization: Bearer`), acting
    /// as [`DEFAULT_USERNAME`]. Without any token set, every request is 401.
    pub fn set_token(&self, token: &str) {
        self.set_token_user(token, DEFAULT_USERNAME);
    }

    /// Accepts `token` too, acting as `username` (e.g. a maintainer's PAT).
    pub fn set_token_user(&self, token: &str, username: &str) {
        let mut st = self.st();
        st.add_user(username);
        st.tokens.insert(token.to_string(), username.to_string());
    }

    /// Registers a user (found by `GET /users?username=`); returns its id.
    pub fn add_user(&self, username: &str) -> u64 {
        self.st().add_user(username)
    }

    /// `active`, `blocked`, `deactivated`...
    pub fn set_user_state(&self, username: &str, state: &str) {
        let mut st = self.st();
        st.add_user(username);
        if let Some(u) = st.users.get_mut(&username.to_ascii_lowercase()) {
            u.state = state.to_string();
        }
    }

    /// The id GitLab gives `username` (stable, whether or not it is registered).
    pub fn user_id(&self, username: &str) -> u64 {
        user_id(username)
    }

    /// Makes `username` a member of group `group` with `access_level` (10 guest
    /// ... 50 owner); members of a group are members of its subgroups and
    /// projects too (`members/all`).
    pub fn add_group_member(&self, group: &str, username: &str, access_level: u64) {
        let mut st = self.st();
        st.ensure_group(group);
        st.add_user(username);
        let g = st
            .groups
            .get_mut(&group.to_ascii_lowercase())
            .expect("just made");
        g.members
            .insert(username.to_ascii_lowercase(), access_level);
    }

    pub fn add_project_member(&self, project: &str, username: &str, access_level: u64) {
        let mut st = self.st();
        st.add_user(username);
        st.project_mut(project)
            .members
            .insert(username.to_ascii_lowercase(), access_level);
    }

    /// The authenticated API throttle: reflected in every response's
    /// `RateLimit-*` headers; at 0 remaining requests get 429 with
    /// `Retry-After` until `reset_epoch` (real time) passes, when the bucket
    /// refills to `limit` for another minute.
    pub fn set_rate_limit(&self, limit: u64, remaining: u64, reset_epoch: u64) {
        self.st().rate = Bucket::new(limit, remaining, reset_epoch, 60);
    }

    /// All issues (open and closed), newest first, as `GET` returns them.
    pub fn issues(&self, project: &str) -> Vec<Value> {
        let st = self.st();
        let p = st.project(project);
        p.issues.iter().rev().map(|i| p.issue_json(i)).collect()
    }

    /// An issue's notes, system notes included, oldest first.
    pub fn notes(&self, project: &str, iid: u64) -> Vec<Value> {
        let st = self.st();
        let p = st.project(project);
        let n = p.notes.iter().filter(|n| n.iid == iid);
        n.map(|n| p.note_json(n)).collect()
    }

    /// An issue's resource label events, oldest first.
    pub fn label_events(&self, project: &str, iid: u64) -> Vec<Value> {
        let st = self.st();
        let p = st.project(project);
        let e = p.label_events.iter().filter(|e| e.iid == iid);
        e.map(|e| p.label_event_json(e)).collect()
    }

    /// An issue's resource state events, oldest first.
    pub fn state_events(&self, project: &str, iid: u64) -> Vec<Value> {
        let st = self.st();
        let p = st.project(project);
        let e = p.state_events.iter().filter(|e| e.iid == iid);
        e.map(|e| p.state_event_json(e)).collect()
    }

    pub fn labels(&self, project: &str) -> Vec<Value> {
        let st = self.st();
        let p = st.project(project);
        p.labels.iter().map(|l| p.label_json(l)).collect()
    }

    /// Creates an issue as `username` (labels created if needed, label events
    /// recorded; no description is GitLab's `null`); returns its iid.
    pub fn create_issue_direct(
        &self,
        project: &str,
        title: &str,
        description: Option<&str>,
        labels: &[&str],
        username: &str,
    ) -> u64 {
        let mut st = self.st();
        st.add_user(username);
        let labels: Vec<String> = labels.iter().map(|l| l.to_string()).collect();
        st.project_mut(project).create_issue(
            username,
            title,
            description.map(String::from),
            &labels,
        )
    }

    /// Tags `tag` at the default branch: the files it has now are the tag's
    /// (`repository/files/:path/raw?ref=TAG`). A tag already made is kept.
    pub fn add_tag(&self, project: &str, tag: &str) {
        let mut st = self.st();
        let p = st.project_mut(project);
        let files = p.files.clone();
        p.tags.entry(tag.to_string()).or_insert(files);
    }

    /// A file at tag `git_ref` (tagging the default branch first if the tag is new).
    pub fn set_file_at(&self, project: &str, git_ref: &str, path: &str, text: &str) {
        self.add_tag(project, git_ref);
        self.st()
            .project_mut(project)
            .tags
            .get_mut(git_ref)
            .expect("just tagged")
            .insert(path.to_string(), text.to_string());
    }

    /// Publishes a release of `tag` (tagging the default branch if the tag is
    /// new, as GitLab does with `ref`), released now, with asset links
    /// `(name, url, link_type)`; link types: `other`, `runbook`, `image`, `package`.
    pub fn add_release(
        &self,
        project: &str,
        tag: &str,
        description: &str,
        links: &[(&str, &str, &str)],
    ) {
        self.add_tag(project, tag);
        let mut st = self.st();
        let p = st.project_mut(project);
        let links = links
            .iter()
            .map(|(name, url, link_type)| {
                assert!(
                    ["other", "runbook", "image", "package"].contains(link_type),
                    "fake GitLab: link_type does not have a valid value"
                );
                ReleaseLink {
                    id: p.next_id(),
                    name: name.to_string(),
                    url: url.to_string(),
                    link_type: link_type.to_string(),
                }
            })
            .collect();
        let at = now();
        p.releases.push(Release {
            tag: tag.to_string(),
            name: tag.to_string(),
            description: description.to_string(),
            created_at: at.clone(),
            released_at: at,
            author: DEFAULT_USERNAME.to_string(),
            links,
        });
    }

    /// Publishes a file to the generic package registry, as `PUT
    /// /projects/:id/packages/generic/:name/:version/:file` does (the package
    /// is made on its first file; the same file name again is a newer upload
    /// of it); returns the file's download URL, with the numeric project id
    /// as GitLab's own links have it. GitLab's rules for names apply: no `~`
    /// in a file name, for one.
    pub fn upload_generic(
        &self,
        project: &str,
        name: &str,
        version: &str,
        file_name: &str,
        data: &[u8],
    ) -> String {
        let allowed = |s: &str| {
            !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b))
        };
        assert!(allowed(name), "fake GitLab: 400 package_name is invalid");
        assert!(
            allowed(version) && !version.contains("..") && !version.starts_with(['.', '-']),
            "fake GitLab: 400 package_version is invalid"
        );
        assert!(allowed(file_name), "fake GitLab: 400 file_name is invalid");
        let mut st = self.st();
        let base = st.base.clone();
        let p = st.project_mut(project);
        let at = now();
        let idx = match p
            .packages
            .iter()
            .position(|k| k.name == name && k.version == version)
        {
            Some(i) => i,
            None => {
                let id = p.next_id();
                p.packages.push(Package {
                    id,
                    name: name.to_string(),
                    version: version.to_string(),
                    created_at: at.clone(),
                    files: Vec::new(),
                });
                p.packages.len() - 1
            }
        };
        let id = p.next_id();
        p.packages[idx].files.push(PackageFile {
            id,
            file_name: file_name.to_string(),
            size: data.len(),
            sha256: hex(&Sha256::digest(data)),
            data: data.to_vec(),
            created_at: at,
        });
        format!(
            "{base}/api/v4/projects/{}/packages/generic/{name}/{version}/{file_name}",
            p.id
        )
    }

    /// Replaces the bytes of a generic package file (its newest upload) but
    /// not the `file_sha256` and size the registry reports, as a tampered
    /// store or a corrupted transfer would look.
    pub fn tamper_package_file(
        &self,
        project: &str,
        name: &str,
        version: &str,
        file_name: &str,
        data: &[u8],
    ) {
        let mut st = self.st();
        let p = st.project_mut(project);
        let f = p
            .packages
            .iter_mut()
            .filter(|k| k.name == name && k.version == version)
            .flat_map(|k| k.files.iter_mut())
            .filter(|f| f.file_name == file_name)
            .last()
            .expect("fake GitLab: no such package file");
        f.data = data.to_vec();
    }

    /// Generic package downloads of `project` answer 302 to object storage on
    /// another host (`localhost` instead of `127.0.0.1`, with a pre-signed
    /// query), as GitLab does with object storage and direct downloads.
    pub fn set_object_storage(&self, project: &str, on: bool) {
        self.st().project_mut(project).object_storage = on;
    }

    /// Serves `data` at `path` on another host, without authentication;
    /// returns its URL there (`http://localhost:PORT/PATH`).
    pub fn serve_elsewhere(&self, path: &str, data: &[u8]) -> String {
        let mut st = self.st();
        st.elsewhere.insert(path.to_string(), data.to_vec());
        format!("{}{path}", elsewhere(&st.base))
    }

    /// A file of the default branch, served by `repository/files/:path/raw`.
    pub fn set_file(&self, project: &str, path: &str, text: &str) {
        self.st()
            .project_mut(project)
            .files
            .insert(path.to_string(), text.to_string());
    }
}

// ---------------------------------------------------------------- state

/// GitLab's `RateLimit-*` headers.
const RATE_HEADERS: [(&str, RateValue); 6] = [
    (
        "ratelimit-name",
        RateValue::Fixed("throttle_authenticated_api"),
    ),
    ("ratelimit-limit", RateValue::Limit),
    ("ratelimit-observed", RateValue::Used),
    ("ratelimit-remaining", RateValue::Remaining),
    ("ratelimit-reset", RateValue::Reset),
    ("ratelimit-resettime", RateValue::ResetDate),
];

struct User {
    username: String,
    state: String,
}

struct Group {
    id: u64,
    full_path: String,
    /// Lowercase username → access level.
    members: HashMap<String, u64>,
}

/// The fake's data, behind its [`Server`].
pub struct State {
    base: String,
    /// token → username.
    tokens: HashMap<String, String>,
    /// Lowercase username → user.
    users: BTreeMap<String, User>,
    http: Plumbing<GitLabLog>,
    rate: Bucket,
    /// Keyed by lowercase full path.
    groups: BTreeMap<String, Group>,
    projects: BTreeMap<String, Project>,
    /// Files served on another host by path (see `serve_elsewhere`).
    elsewhere: HashMap<String, Vec<u8>>,
}

impl State {
    fn new(base: &str) -> State {
        State {
            base: base.to_string(),
            tokens: HashMap::new(),
            users: BTreeMap::new(),
            http: Plumbing::default(),
            rate: Bucket::full(2000, 60),
            groups: BTreeMap::new(),
            projects: BTreeMap::new(),
            elsewhere: HashMap::new(),
        }
    }

    fn add_user(&mut self, username: &str) -> u64 {
        self.users
            .entry(username.to_ascii_lowercase())
            .or_insert_with(|| User {
                username: username.to_string(),
                state: "active".into(),
            });
        user_id(username)
    }

    fn ensure_group(&mut self, path: &str) {
        let mut full = String::new();
        for part in path.split('/') {
            if !full.is_empty() {
                full.push('/');
            }
            full.push_str(part);
            let id = 100 + self.groups.len() as u64;
            self.groups
                .entry(full.to_ascii_lowercase())
                .or_insert_with(|| Group {
                    id,
                    full_path: full.clone(),
                    members: HashMap::new(),
                });
        }
    }

    fn project(&self, path: &str) -> &Project {
        self.projects
            .get(&path.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("fake GitLab: no project {path}: call add_project first"))
    }

    fn project_mut(&mut self, path: &str) -> &mut Project {
        self.projects
            .get_mut(&path.to_ascii_lowercase())
            .unwrap_or_else(|| panic!("fake GitLab: no project {path}: call add_project first"))
    }

    /// A project by numeric id or full path, as `:id` takes it.
    fn project_key(&self, id: &str) -> Option<String> {
        if let Ok(n) = id.parse::<u64>() {
            return self
                .projects
                .iter()
                .find(|(_, p)| p.id == n)
                .map(|(k, _)| k.clone());
        }
        let k = id.to_ascii_lowercase();
        self.projects.contains_key(&k).then_some(k)
    }

    fn group_key(&self, id: &str) -> Option<String> {
        if let Ok(n) = id.parse::<u64>() {
            return self
                .groups
                .iter()
                .find(|(_, g)| g.id == n)
                .map(|(k, _)| k.clone());
        }
        let k = id.to_ascii_lowercase();
        self.groups.contains_key(&k).then_some(k)
    }

    /// The highest access level `username` has in group `path` or above it.
    fn group_level(&self, path: &str, username: &str) -> Option<u64> {
        let user = username.to_ascii_lowercase();
        let mut level = None;
        let mut full = String::new();
        for part in path.to_ascii_lowercase().split('/') {
            if !full.is_empty() {
                full.push('/');
            }
            full.push_str(part);
            if let Some(l) = self.groups.get(&full).and_then(|g| g.members.get(&user)) {
                level = level.max(Some(*l));
            }
        }
        level
    }

    fn username_of(&self, id: u64) -> Option<&User> {
        self.users.values().find(|u| user_id(&u.username) == id)
    }

    fn member_json(&self, u: &User, level: u64) -> Value {
        let mut v = user_json(&self.base, &u.username);
        v["state"] = json!(u.state);
        extend(
            &mut v,
            json!({
                "access_level": level,
                "created_at": "2024-01-01T00:00:00.000Z",
                "created_by": user_json(&self.base, "root"),
                "expires_at": null,
                "group_saml_identity": null,
                "membership_state": "active",
            }),
        );
        v
    }

    /// Injection, authentication and rate limiting, then routing.
    fn handle_checked(&mut self, rq: &Incoming, credential: Option<String>) -> Reply {
        let (method, path, raw_query) = (rq.method.as_str(), rq.path.as_str(), &rq.raw_query);
        self.rate.refresh();
        if let Some(f) = self.http.failures.take(&rq.line()) {
            return injected(f.status, &f.headers);
        }
        if let Some(reply) = self.serve_public(method, path) {
            return reply;
        }
        let Some(api_path) = path.strip_prefix("/api/v4/") else {
            return Reply::json(404, &json!({"error": "404 Not Found"}));
        };
        let username = match credential.as_deref().and_then(|t| self.tokens.get(t)) {
            Some(u) => u.clone(),
            None => return Reply::message(401, "401 Unauthorized"),
        };
        if self.rate.remaining == 0 {
            let wait = self.rate.retry_after();
            return Reply::text(429, "Retry later\n").header("retry-after", &wait.to_string());
        }
        self.rate.spend();
        let content_type = rq.header("Content-Type").unwrap_or_default();
        let params = match params(raw_query, &rq.body, &content_type) {
            Ok(p) => p,
            Err(reply) => return reply,
        };
        let ctx = Ctx {
            method: method.to_string(),
            path: path.to_string(),
            raw_query: raw_query.to_string(),
            params,
            username,
            base: self.base.clone(),
            page_cap: self.http.page_cap,
        };
        let segments = segments(api_path, 0);
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let fault = self.http.failures.write(method, path);
        if let Some(Fault::Refuse(f)) = &fault {
            return injected(f.status, &f.headers);
        }
        let reply = self.route(&ctx, &segs).unwrap_or_else(|e| e);
        match fault {
            Some(Fault::Lose(f)) => injected(f.status, &f.headers),
            Some(Fault::Stall) => reply.stalled(),
            _ => reply,
        }
    }

    fn route(&mut self, ctx: &Ctx, segs: &[&str]) -> Res {
        let member_id = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| Reply::message(404, "404 Not found"))
        };
        match (ctx.method.as_str(), segs) {
            ("GET", ["user"]) => Ok(Reply::json(200, &user_json(&self.base, &ctx.username))),
            ("GET", ["users"]) => {
                let want = ctx.str("username").map(|u| u.to_ascii_lowercase());
                let items = self
                    .users
                    .iter()
                    .filter(|(k, _)| want.as_ref().is_none_or(|w| w == *k))
                    .map(|(_, u)| {
                        let mut v = user_json(&self.base, &u.username);
                        v["state"] = json!(u.state);
                        v
                    })
                    .collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["groups", gid, "members", "all", uid]) => {
                let g = self
                    .group_key(gid)
                    .ok_or_else(|| Reply::message(404, "404 Group Not Found"))?;
                let uid = member_id(uid)?;
                let user = self
                    .username_of(uid)
                    .ok_or_else(|| Reply::message(404, "404 Not found"))?;
                let level = self
                    .group_level(&self.groups[&g].full_path, &user.username)
                    .ok_or_else(|| Reply::message(404, "404 Not found"))?;
                Ok(Reply::json(200, &self.member_json(user, level)))
            }
            ("GET", ["projects", pid, "members", "all", uid]) => {
                let k = self
                    .project_key(pid)
                    .ok_or_else(|| Reply::message(404, "404 Project Not Found"))?;
                let uid = member_id(uid)?;
                let user = self
                    .username_of(uid)
                    .ok_or_else(|| Reply::message(404, "404 Not found"))?;
                let p = &self.projects[&k];
                let group = p.path.rsplit_once('/').map_or("", |(g, _)| g);
                let level = p
                    .members
                    .get(&user.username.to_ascii_lowercase())
                    .copied()
                    .max(self.group_level(group, &user.username))
                    .ok_or_else(|| Reply::message(404, "404 Not found"))?;
                Ok(Reply::json(200, &self.member_json(user, level)))
            }
            (_, ["projects", pid, rest @ ..]) => {
                let k = self
                    .project_key(pid)
                    .ok_or_else(|| Reply::message(404, "404 Project Not Found"))?;
                let p = self.projects.get_mut(&k).expect("found above");
                p.route(ctx, rest)
            }
            _ => Err(Reply::json(404, &json!({"error": "404 Not Found"}))),
        }
    }
}

impl Forge for State {
    type Extra = GitLabLog;

    fn plumbing(&mut self) -> &mut Plumbing<GitLabLog> {
        &mut self.http
    }

    fn handle(&mut self, rq: &Incoming) -> (Reply, GitLabLog) {
        let credential = rq
            .header("PRIVATE-TOKEN")
            .or_else(|| credential(rq.header("Authorization").as_deref(), &["bearer"]));
        let mut reply = if !rq.body_ok {
            Reply::message(400, "400 Bad request")
        } else {
            self.handle_checked(rq, credential)
        };
        // Rate-limit headers on every authenticated answer; injected ones win.
        if reply.status != 401 {
            reply.add_missing_headers(self.rate.headers(&RATE_HEADERS));
        }
        reply.headers.push((
            "x-request-id".into(),
            format!("FAKE{:06}", self.http.log.len() + 1),
        ));
        let private_token = rq.header("PRIVATE-TOKEN");
        (reply, GitLabLog { private_token })
    }

    fn panicked() -> Reply {
        Reply::message(500, "500 Internal Server Error")
    }
}

// ---------------------------------------------------------------- requests

struct Ctx {
    method: String,
    path: String,
    raw_query: String,
    /// Query and body parameters merged, as Grape does (the body wins).
    params: Map<String, Value>,
    username: String,
    base: String,
    page_cap: usize,
}

impl Ctx {
    fn str(&self, name: &str) -> Option<String> {
        match self.params.get(name)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// A label list: comma-separated names, or an array of names.
    fn labels(&self, name: &str) -> Option<Vec<String>> {
        let names: Vec<String> = match self.params.get(name)? {
            Value::String(s) => s.split(',').map(|l| l.trim().to_string()).collect(),
            Value::Array(a) => a
                .iter()
                .filter_map(|v| v.as_str())
                .map(|l| l.trim().to_string())
                .collect(),
            Value::Null => Vec::new(),
            _ => return None,
        };
        Some(names.into_iter().filter(|l| !l.is_empty()).collect())
    }

    /// This request's page of `items` and GitLab's pagination headers.
    fn paginate(&self, items: Vec<Value>) -> (Vec<Value>, Vec<(String, String)>) {
        let at = PageQuery::new(&self.base, &self.path, &self.raw_query, self.page_cap);
        PAGES.paginate(&at, self.str("per_page"), self.str("page"), items)
    }
}

/// Query and body parameters: a JSON object or a form body.
fn params(raw_query: &str, body: &[u8], content_type: &str) -> Result<Map<String, Value>, Reply> {
    let mut out = Map::new();
    for (k, v) in parse_query(raw_query) {
        out.insert(k, Value::String(v));
    }
    if is_blank(body) {
        return Ok(out);
    }
    if content_type.starts_with("application/json") || body.first() == Some(&b'{') {
        let m = json_object(body)
            .map_err(|()| Reply::message(400, "400 Bad request - JSON parse error"))?;
        out.extend(m.unwrap_or_default());
    } else {
        for (k, v) in parse_query(&String::from_utf8_lossy(body)) {
            out.insert(k, Value::String(v));
        }
    }
    Ok(out)
}

/// GitLab's replies: JSON as `application/json`, errors as `{"message"}` or
/// `{"error"}`.
trait GitLabReply {
    fn json(status: u16, v: &Value) -> Reply;
    fn message(status: u16, message: &str) -> Reply;
    fn bad_param(message: &str) -> Reply;
    fn invalid(field: &str, error: &str) -> Reply;
}

impl GitLabReply for Reply {
    fn json(status: u16, v: &Value) -> Reply {
        Reply::json_as(status, v, "application/json")
    }

    /// `{"message": "404 Issue Not Found"}`, GitLab's usual error body.
    fn message(status: u16, message: &str) -> Reply {
        Reply::json(status, &json!({ "message": message }))
    }

    /// `{"error": "title is missing"}`, GitLab's body for a bad parameter.
    fn bad_param(message: &str) -> Reply {
        Reply::json(400, &json!({ "error": message }))
    }

    /// `{"message": {"field": ["error"]}}`, a failed validation.
    fn invalid(field: &str, error: &str) -> Reply {
        Reply::json(400, &json!({ "message": { field: [error] } }))
    }
}

fn injected(status: u16, headers: &[(String, String)]) -> Reply {
    let mut reply = match status {
        429 => Reply::text(429, "Retry later\n"),
        401 => Reply::message(401, "401 Unauthorized"),
        403 => Reply::message(403, "403 Forbidden"),
        404 => Reply::message(404, "404 Not found"),
        409 => Reply::message(409, "409 Conflict"),
        500 => Reply::message(500, "500 Internal Server Error"),
        502 => Reply::text(502, "<html><body><h1>502 Bad Gateway</h1></body></html>"),
        503 => Reply::text(
            503,
            "<html><body><h1>503 Service Unavailable</h1></body></html>",
        ),
        s => Reply::message(s, &format!("{s} Injected failure")),
    };
    reply.override_headers(headers);
    reply
}

fn page_reply(ctx: &Ctx, items: Vec<Value>) -> Reply {
    let (page, headers) = ctx.paginate(items);
    let mut reply = Reply::json(200, &Value::Array(page));
    reply.headers.extend(headers);
    reply
}

// ---------------------------------------------------------------- projects

struct Issue {
    id: u64,
    iid: u64,
    title: String,
    description: Option<String>,
    labels: Vec<String>,
    open: bool,
    closed_at: Option<String>,
    closed_by: Option<String>,
    author: String,
    created_at: String,
    updated_at: String,
}

struct Note {
    id: u64,
    iid: u64,
    body: String,
    author: String,
    system: bool,
    created_at: String,
    updated_at: String,
}

struct LabelEvent {
    id: u64,
    iid: u64,
    user: String,
    /// Shown as `null` once the label is deleted.
    label_id: u64,
    action: &'static str,
    created_at: String,
}

struct StateEvent {
    id: u64,
    iid: u64,
    user: String,
    state: &'static str,
    created_at: String,
}

struct Project {
    base: String,
    id: u64,
    path: String,
    seq: u64,
    issues: Vec<Issue>,
    labels: Vec<Label>,
    notes: Vec<Note>,
    label_events: Vec<LabelEvent>,
    state_events: Vec<StateEvent>,
    files: HashMap<String, String>,
    /// Lowercase username → access level (direct members).
    members: HashMap<String, u64>,
    releases: Vec<Release>,
    /// Tag → the files at that tag.
    tags: BTreeMap<String, HashMap<String, String>>,
    /// The generic package registry.
    packages: Vec<Package>,
    /// Generic package downloads redirect to object storage on another host.
    object_storage: bool,
}

impl Project {
    fn new(base: &str, path: &str, id: u64) -> Project {
        Project {
            base: base.to_string(),
            id,
            path: path.to_string(),
            seq: id * 1_000_000,
            issues: Vec::new(),
            labels: Vec::new(),
            notes: Vec::new(),
            label_events: Vec::new(),
            state_events: Vec::new(),
            files: HashMap::new(),
            members: HashMap::new(),
            releases: Vec::new(),
            tags: BTreeMap::new(),
            packages: Vec::new(),
            object_storage: false,
        }
    }

    fn next_id(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    fn web(&self) -> String {
        format!("{}/{}", self.base, self.path)
    }

    fn api(&self) -> String {
        format!("{}/api/v4/projects/{}", self.base, self.id)
    }

    fn route(&mut self, ctx: &Ctx, rest: &[&str]) -> Res {
        let iid = |s: &str| {
            s.parse::<u64>()
                .map_err(|_| Reply::message(404, "404 Issue Not Found"))
        };
        match (ctx.method.as_str(), rest) {
            ("GET", ["issues"]) => self.list_issues(ctx),
            ("POST", ["issues"]) => {
                let Some(title) = ctx.str("title") else {
                    return Err(Reply::bad_param("title is missing"));
                };
                if title.trim().is_empty() {
                    return Err(Reply::invalid("title", "can't be blank"));
                }
                let labels = ctx.labels("labels").unwrap_or_default();
                self.check_label_names(&labels)?;
                let n = self.create_issue(&ctx.username, &title, ctx.str("description"), &labels);
                let i = self.issue_idx(n)?;
                Ok(Reply::json(201, &self.issue_json(&self.issues[i])))
            }
            ("GET", ["issues", n]) => {
                let i = self.issue_idx(iid(n)?)?;
                Ok(Reply::json(200, &self.issue_json(&self.issues[i])))
            }
            ("PUT", ["issues", n]) => self.update_issue(ctx, iid(n)?),
            ("GET", ["issues", n, "notes"]) => {
                let n = iid(n)?;
                self.issue_idx(n)?;
                let mut notes: Vec<&Note> = self.notes.iter().filter(|x| x.iid == n).collect();
                if ctx.str("order_by").as_deref() == Some("updated_at") {
                    notes.sort_by(|a, b| (&a.updated_at, a.id).cmp(&(&b.updated_at, b.id)));
                }
                // GitLab's default: newest first.
                if ctx.str("sort").as_deref() != Some("asc") {
                    notes.reverse();
                }
                let items = notes.iter().map(|x| self.note_json(x)).collect();
                Ok(page_reply(ctx, items))
            }
            ("POST", ["issues", n, "notes"]) => {
                let n = iid(n)?;
                let i = self.issue_idx(n)?;
                let Some(body) = ctx.str("body") else {
                    return Err(Reply::bad_param("body is missing"));
                };
                if body.trim().is_empty() {
                    return Err(Reply::invalid("note", "can't be blank"));
                }
                // Only quick actions: GitLab runs them and keeps no note.
                if body
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .all(|l| l.starts_with('/'))
                {
                    return Ok(Reply::json(
                        202,
                        &json!({"commands_changes": {}, "summary": []}),
                    ));
                }
                let id = self.add_note(n, &ctx.username, &body, false);
                self.issues[i].updated_at = now();
                let note = self.notes.iter().find(|x| x.id == id).expect("just added");
                Ok(Reply::json(201, &self.note_json(note)))
            }
            ("GET", ["issues", n, "notes", id]) => {
                let n = iid(n)?;
                self.issue_idx(n)?;
                let note = self.find_note(n, id)?;
                Ok(Reply::json(200, &self.note_json(&self.notes[note])))
            }
            ("PUT", ["issues", n, "notes", id]) => {
                let n = iid(n)?;
                self.issue_idx(n)?;
                let note = self.find_note(n, id)?;
                let Some(body) = ctx.str("body") else {
                    return Err(Reply::bad_param("body is missing"));
                };
                if self.notes[note].system {
                    return Err(Reply::message(403, "403 Forbidden"));
                }
                if self.notes[note].body != body {
                    self.notes[note].body = body;
                    self.notes[note].updated_at = now();
                }
                Ok(Reply::json(200, &self.note_json(&self.notes[note])))
            }
            ("GET", ["issues", n, "resource_label_events"]) => {
                let n = iid(n)?;
                self.issue_idx(n)?;
                let e = self.label_events.iter().filter(|e| e.iid == n);
                let items = e.map(|e| self.label_event_json(e)).collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["issues", n, "resource_state_events"]) => {
                let n = iid(n)?;
                self.issue_idx(n)?;
                let e = self.state_events.iter().filter(|e| e.iid == n);
                let items = e.map(|e| self.state_event_json(e)).collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["labels"]) => {
                let search = ctx.str("search").map(|s| s.to_lowercase());
                let mut labels: Vec<&Label> = self
                    .labels
                    .iter()
                    .filter(|l| {
                        search
                            .as_ref()
                            .is_none_or(|s| l.name.to_lowercase().contains(s))
                    })
                    .collect();
                labels.sort_by(|a, b| a.name.cmp(&b.name));
                let items = labels.iter().map(|l| self.label_json(l)).collect();
                Ok(page_reply(ctx, items))
            }
            ("POST", ["labels"]) => {
                let Some(name) = ctx.str("name") else {
                    return Err(Reply::bad_param("name is missing"));
                };
                let Some(color) = ctx.str("color") else {
                    return Err(Reply::bad_param("color is missing"));
                };
                self.check_label_names(std::slice::from_ref(&name))?;
                let color = valid_color(&color)?;
                if self.find_label(&name).is_some() {
                    return Err(Reply::message(409, "Label already exists"));
                }
                let id = self.next_id();
                let label = Label {
                    id,
                    name,
                    color,
                    description: ctx.str("description"),
                };
                let v = self.label_json(&label);
                self.labels.push(label);
                Ok(Reply::json(201, &v))
            }
            ("GET", ["labels", l]) => {
                let l = self.label_by_id_or_title(l)?;
                Ok(Reply::json(200, &self.label_json(&self.labels[l])))
            }
            ("PUT", ["labels", l]) => {
                let l = self.label_by_id_or_title(l)?;
                let new_name = ctx.str("new_name").filter(|n| !n.is_empty());
                let color = ctx.str("color");
                if new_name.is_none() && color.is_none() {
                    return Err(Reply::bad_param(
                        "new_name, color are missing, at least one parameter must be provided",
                    ));
                }
                if let Some(c) = color {
                    self.labels[l].color = valid_color(&c)?;
                }
                if let Some(new) = new_name {
                    self.check_label_names(std::slice::from_ref(&new))?;
                    if self.find_label(&new).is_some_and(|o| o != l) {
                        return Err(Reply::message(409, "Label already exists"));
                    }
                    let old = std::mem::replace(&mut self.labels[l].name, new.clone());
                    for i in &mut self.issues {
                        for il in &mut i.labels {
                            if *il == old {
                                *il = new.clone();
                            }
                        }
                    }
                }
                match ctx.params.get("description") {
                    Some(Value::String(d)) => self.labels[l].description = Some(d.clone()),
                    Some(Value::Null) => self.labels[l].description = None,
                    _ => {}
                }
                Ok(Reply::json(200, &self.label_json(&self.labels[l])))
            }
            ("DELETE", ["labels", l]) => {
                let l = self.label_by_id_or_title(l)?;
                let gone = self.labels.remove(l).name;
                for i in &mut self.issues {
                    i.labels.retain(|x| *x != gone);
                }
                Ok(Reply::new(204, Vec::new()))
            }
            ("GET", ["releases"]) => {
                let mut releases: Vec<&Release> = self.releases.iter().collect();
                // Newest first by `released_at`, GitLab's default order.
                releases.sort_by(|a, b| b.released_at.cmp(&a.released_at));
                if ctx.str("sort").as_deref() == Some("asc") {
                    releases.reverse();
                }
                let items = releases.iter().map(|r| self.release_json(r)).collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["releases", tag]) => {
                let r = self
                    .releases
                    .iter()
                    .find(|r| r.tag == *tag)
                    .ok_or_else(|| Reply::message(404, "404 Not Found"))?;
                Ok(Reply::json(200, &self.release_json(r)))
            }
            ("GET", ["packages"]) => {
                let kind = ctx.str("package_type");
                if kind.as_deref().is_some_and(|k| {
                    ![
                        "maven",
                        "npm",
                        "conan",
                        "nuget",
                        "pypi",
                        "composer",
                        "generic",
                        "golang",
                        "debian",
                        "rubygems",
                        "helm",
                        "terraform_module",
                        "rpm",
                        "ml_model",
                    ]
                    .contains(&k)
                }) {
                    return Err(Reply::bad_param("package_type does not have a valid value"));
                }
                let name = ctx.str("package_name").map(|n| n.to_ascii_lowercase());
                let version = ctx.str("package_version");
                let mut items: Vec<&Package> = self
                    .packages
                    .iter()
                    // Only generic packages are kept here.
                    .filter(|_| kind.as_deref().is_none_or(|t| t == "generic"))
                    .filter(|k| {
                        name.as_ref()
                            .is_none_or(|n| k.name.to_ascii_lowercase().contains(n))
                    })
                    .filter(|k| version.as_ref().is_none_or(|v| &k.version == v))
                    .collect();
                if ctx.str("sort").as_deref() == Some("desc") {
                    items.reverse();
                }
                let items = items.iter().map(|k| self.package_json(k)).collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["packages", id, "package_files"]) => {
                let k = self
                    .packages
                    .iter()
                    .find(|k| k.id.to_string() == *id)
                    .ok_or_else(|| Reply::message(404, "404 Package Not Found"))?;
                let items = k
                    .files
                    .iter()
                    .map(|f| {
                        json!({
                            "id": f.id,
                            "package_id": k.id,
                            "created_at": f.created_at,
                            "file_name": f.file_name,
                            "size": f.size,
                            // Not computed here (GitLab shows null md5 on FIPS instances).
                            "file_md5": null,
                            "file_sha1": null,
                            "file_sha256": f.sha256,
                        })
                    })
                    .collect();
                Ok(page_reply(ctx, items))
            }
            ("GET", ["packages", "generic", name, version, file]) => {
                let k = self
                    .packages
                    .iter()
                    .find(|k| k.name == *name && k.version == *version)
                    .ok_or_else(|| Reply::message(404, "404 Package Not Found"))?;
                let f = k
                    .files
                    .iter()
                    .rfind(|f| f.file_name == *file)
                    .ok_or_else(|| Reply::message(404, "404 Package file Not Found"))?;
                if self.object_storage {
                    let to = format!(
                        "{}/object-storage/{}/{}/{}?X-Amz-Expires=540&X-Amz-Signature={}",
                        elsewhere(&ctx.base),
                        self.id,
                        f.id,
                        f.file_name,
                        &f.sha256[..16]
                    );
                    return Ok(Reply::new(302, Vec::new()).header("location", &to));
                }
                Ok(Reply::bytes(&f.data)
                    .header(
                        "content-disposition",
                        &format!("attachment; filename=\"{}\"", f.file_name),
                    )
                    .header("x-checksum-sha256", &f.sha256))
            }
            ("GET", ["repository", "files", path, "raw"])
                if ctx.str("ref").is_some_and(|r| self.tags.contains_key(&r)) =>
            {
                let tag = ctx.str("ref").unwrap_or_default();
                let text = self.tags[&tag]
                    .get(*path)
                    .ok_or_else(|| Reply::message(404, "404 File Not Found"))?;
                Ok(Reply::new(200, text.as_bytes().to_vec())
                    .header("content-type", "text/plain; charset=utf-8")
                    .header("x-gitlab-file-path", path)
                    .header("x-gitlab-ref", &tag))
            }
            ("GET", ["repository", "files", path, "raw"]) => {
                // Any ref names the default branch here: `HEAD`, `main`.
                let text = self
                    .files
                    .get(*path)
                    .ok_or_else(|| Reply::message(404, "404 File Not Found"))?;
                Ok(Reply::new(200, text.as_bytes().to_vec())
                    .header("content-type", "text/plain; charset=utf-8")
                    .header("x-gitlab-file-path", path)
                    .header(
                        "x-gitlab-ref",
                        &ctx.str("ref").unwrap_or_else(|| "main".into()),
                    ))
            }
            _ => Err(Reply::json(404, &json!({"error": "404 Not Found"}))),
        }
    }

    fn list_issues(&self, ctx: &Ctx) -> Res {
        let state = ctx.str("state").unwrap_or_else(|| "all".into());
        if !["opened", "closed", "all"].contains(&state.as_str()) {
            return Err(Reply::bad_param("state does not have a valid value"));
        }
        let labels = ctx.labels("labels").unwrap_or_default();
        let search = ctx.str("search").unwrap_or_default().to_lowercase();
        let scope = ctx.str("in").unwrap_or_else(|| "title,description".into());
        let (in_title, in_description) = (
            scope.split(',').any(|s| s == "title"),
            scope.split(',').any(|s| s == "description"),
        );
        // Search matches words of 3 or more characters, anywhere in the text.
        let words: Vec<&str> = {
            let long: Vec<&str> = search
                .split_whitespace()
                .filter(|w| w.chars().count() >= 3)
                .collect();
            if long.is_empty() && !search.trim().is_empty() {
                vec![search.trim()]
            } else {
                long
            }
        };
        let mut found: Vec<&Issue> = self
            .issues
            .iter()
            .filter(|i| match state.as_str() {
                "opened" => i.open,
                "closed" => !i.open,
                _ => true,
            })
            .filter(|i| match labels.as_slice() {
                [one] if one.eq_ignore_ascii_case("none") => i.labels.is_empty(),
                [one] if one.eq_ignore_ascii_case("any") => !i.labels.is_empty(),
                want => want.iter().all(|w| i.labels.contains(w)),
            })
            .filter(|i| {
                let title = i.title.to_lowercase();
                let description = i.description.clone().unwrap_or_default().to_lowercase();
                words.iter().all(|w| {
                    (in_title && title.contains(w)) || (in_description && description.contains(w))
                })
            })
            .collect();
        match ctx.str("order_by").as_deref() {
            None | Some("created_at") => {
                found.sort_by(|a, b| (&a.created_at, a.iid).cmp(&(&b.created_at, b.iid)))
            }
            Some("updated_at") => {
                found.sort_by(|a, b| (&a.updated_at, a.iid).cmp(&(&b.updated_at, b.iid)))
            }
            Some(_) => return Err(Reply::bad_param("order_by does not have a valid value")),
        }
        // GitLab's default: newest first.
        if ctx.str("sort").as_deref() != Some("asc") {
            found.reverse();
        }
        let items = found.iter().map(|i| self.issue_json(i)).collect();
        Ok(page_reply(ctx, items))
    }

    fn update_issue(&mut self, ctx: &Ctx, iid: u64) -> Res {
        let i = self.issue_idx(iid)?;
        let known = [
            "title",
            "description",
            "state_event",
            "labels",
            "add_labels",
            "remove_labels",
        ];
        if !known.iter().any(|k| ctx.params.contains_key(*k)) {
            return Err(Reply::bad_param(
                "assignee_id, assignee_ids, confidential, created_at, description, discussion_locked, due_date, labels, add_labels, remove_labels, milestone_id, state_event, title, issue_type, weight, epic_id, epic_iid are missing, at least one parameter must be provided",
            ));
        }
        let state = match ctx.str("state_event").as_deref() {
            None => None,
            Some("close") => Some(false),
            Some("reopen") => Some(true),
            Some(_) => return Err(Reply::bad_param("state_event does not have a valid value")),
        };
        let user = ctx.username.clone();
        let mut changed = false;
        if let Some(t) = ctx.str("title") {
            if t.trim().is_empty() {
                return Err(Reply::invalid("title", "can't be blank"));
            }
            if t != self.issues[i].title {
                let old = std::mem::replace(&mut self.issues[i].title, t.clone());
                self.add_note(
                    iid,
                    &user,
                    &format!("changed title from **{old}** to **{t}**"),
                    true,
                );
                changed = true;
            }
        }
        if ctx.params.contains_key("description") {
            let d = ctx.str("description");
            if d != self.issues[i].description {
                self.issues[i].description = d;
                self.add_note(iid, &user, "changed the description", true);
                changed = true;
            }
        }
        if let Some(open) = state
            && open != self.issues[i].open
        {
            let now = now();
            let issue = &mut self.issues[i];
            issue.open = open;
            issue.closed_at = (!open).then(|| now.clone());
            issue.closed_by = (!open).then(|| user.clone());
            let id = self.next_id();
            self.state_events.push(StateEvent {
                id,
                iid,
                user: user.clone(),
                state: if open { "reopened" } else { "closed" },
                created_at: now,
            });
            changed = true;
        }
        let mut wanted = self.issues[i].labels.clone();
        if let Some(all) = ctx.labels("labels") {
            wanted = all;
        }
        for l in ctx.labels("add_labels").unwrap_or_default() {
            if !wanted.contains(&l) {
                wanted.push(l);
            }
        }
        let remove = ctx.labels("remove_labels").unwrap_or_default();
        wanted.retain(|l| !remove.contains(l));
        self.check_label_names(&wanted)?;
        changed |= self.set_labels(&user, iid, wanted);
        if changed {
            self.issues[i].updated_at = now();
        }
        Ok(Reply::json(200, &self.issue_json(&self.issues[i])))
    }

    fn issue_idx(&self, iid: u64) -> Result<usize, Reply> {
        self.issues
            .iter()
            .position(|i| i.iid == iid)
            .ok_or_else(|| Reply::message(404, "404 Issue Not Found"))
    }

    fn find_note(&self, iid: u64, id: &str) -> Result<usize, Reply> {
        let id = id
            .parse::<u64>()
            .map_err(|_| Reply::message(404, "404 Not found"))?;
        self.notes
            .iter()
            .position(|n| n.id == id && n.iid == iid)
            .ok_or_else(|| Reply::message(404, "404 Not found"))
    }

    fn find_label(&self, name: &str) -> Option<usize> {
        self.labels.iter().position(|l| l.name == name)
    }

    fn label_by_id_or_title(&self, l: &str) -> Result<usize, Reply> {
        let by_id = l
            .parse::<u64>()
            .ok()
            .and_then(|id| self.labels.iter().position(|x| x.id == id));
        by_id
            .or_else(|| self.find_label(l))
            .ok_or_else(|| Reply::message(404, "404 Label Not Found"))
    }

    /// Label titles cannot hold commas (lists of them are comma-separated).
    fn check_label_names(&self, names: &[String]) -> Result<(), Reply> {
        if names.iter().any(|n| n.contains(',') || n.trim().is_empty()) {
            return Err(Reply::invalid("title", "is invalid"));
        }
        Ok(())
    }

    /// The label named `name`, created with GitLab's default colour if needed.
    fn ensure_label(&mut self, name: &str) -> u64 {
        if let Some(l) = self.find_label(name) {
            return self.labels[l].id;
        }
        let id = self.next_id();
        self.labels.push(Label {
            id,
            name: name.to_string(),
            color: DEFAULT_LABEL_COLOR.into(),
            description: None,
        });
        id
    }

    fn add_note(&mut self, iid: u64, author: &str, body: &str, system: bool) -> u64 {
        let id = self.next_id();
        let now = now();
        self.notes.push(Note {
            id,
            iid,
            body: body.to_string(),
            author: author.to_string(),
            system,
            created_at: now.clone(),
            updated_at: now,
        });
        id
    }

    fn create_issue(
        &mut self,
        user: &str,
        title: &str,
        description: Option<String>,
        labels: &[String],
    ) -> u64 {
        let iid = self.issues.iter().map(|i| i.iid).max().unwrap_or(0) + 1;
        let id = self.next_id();
        let now = now();
        self.issues.push(Issue {
            id,
            iid,
            title: title.to_string(),
            description,
            labels: Vec::new(),
            open: true,
            closed_at: None,
            closed_by: None,
            author: user.to_string(),
            created_at: now.clone(),
            updated_at: now,
        });
        let mut names = Vec::new();
        for l in labels {
            if !names.contains(l) {
                names.push(l.clone());
            }
        }
        self.set_labels(user, iid, names);
        iid
    }

    /// Replaces the issue's labels (creating unknown ones), recording
    /// resource label events and a system note; true if anything changed.
    /// Scoped labels are not exclusive: GitLab's free tier.
    fn set_labels(&mut self, user: &str, iid: u64, labels: Vec<String>) -> bool {
        let Ok(i) = self.issue_idx(iid) else {
            return false;
        };
        let ids: Vec<u64> = labels.iter().map(|l| self.ensure_label(l)).collect();
        let before = std::mem::take(&mut self.issues[i].labels);
        let removed: Vec<String> = before
            .iter()
            .filter(|l| !labels.contains(l))
            .cloned()
            .collect();
        let added: Vec<(String, u64)> = labels
            .iter()
            .zip(ids)
            .filter(|(l, _)| !before.contains(l))
            .map(|(l, id)| (l.clone(), id))
            .collect();
        self.issues[i].labels = labels;
        if removed.is_empty() && added.is_empty() {
            return false;
        }
        let now = now();
        let removed_ids: Vec<u64> = removed
            .iter()
            .filter_map(|l| self.find_label(l).map(|x| self.labels[x].id))
            .collect();
        for id in &removed_ids {
            let eid = self.next_id();
            self.label_events.push(LabelEvent {
                id: eid,
                iid,
                user: user.to_string(),
                label_id: *id,
                action: "remove",
                created_at: now.clone(),
            });
        }
        for (_, id) in &added {
            let eid = self.next_id();
            self.label_events.push(LabelEvent {
                id: eid,
                iid,
                user: user.to_string(),
                label_id: *id,
                action: "add",
                created_at: now.clone(),
            });
        }
        let refs = |ids: &[u64]| {
            let r: Vec<String> = ids.iter().map(|id| format!("~{id}")).collect();
            let noun = if ids.len() == 1 { "label" } else { "labels" };
            format!("{} {noun}", r.join(" "))
        };
        let added_ids: Vec<u64> = added.iter().map(|(_, id)| *id).collect();
        let text = match (added_ids.is_empty(), removed_ids.is_empty()) {
            (false, true) => format!("added {}", refs(&added_ids)),
            (true, false) => format!("removed {}", refs(&removed_ids)),
            _ => format!(
                "added {} and removed {}",
                refs(&added_ids),
                refs(&removed_ids)
            ),
        };
        self.add_note(iid, user, &text, true);
        true
    }

    fn label_json(&self, l: &Label) -> Value {
        json!({
            "id": l.id,
            "name": l.name,
            "description": l.description,
            "description_html": l.description.as_deref().map(html_escape),
            "text_color": text_color(&l.color),
            "color": l.color,
            "subscribed": false,
            "priority": null,
            "is_project_label": true,
        })
    }

    fn issue_json(&self, i: &Issue) -> Value {
        let web = format!("{}/-/issues/{}", self.web(), i.iid);
        let api = format!("{}/issues/{}", self.api(), i.iid);
        let user_notes = self
            .notes
            .iter()
            .filter(|n| n.iid == i.iid && !n.system)
            .count();
        let mut v = json!({
            "id": i.id,
            "iid": i.iid,
            "project_id": self.id,
            "title": i.title,
            "description": i.description,
            "state": if i.open { "opened" } else { "closed" },
            "created_at": i.created_at,
            "updated_at": i.updated_at,
            "closed_at": i.closed_at,
            "closed_by": i.closed_by.as_deref().map(|u| user_json(&self.base, u)),
            "labels": i.labels,
            "milestone": null,
            "assignees": [],
            "author": user_json(&self.base, &i.author),
            "type": "ISSUE",
            "assignee": null,
            "user_notes_count": user_notes,
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": null,
            "confidential": false,
            "discussion_locked": null,
            "issue_type": "issue",
            "web_url": web,
        });
        extend(
            &mut v,
            json!({
                "time_stats": {"time_estimate": 0, "total_time_spent": 0,
                               "human_time_estimate": null, "human_total_time_spent": null},
                "task_completion_status": {"count": 0, "completed_count": 0},
                "blocking_issues_count": 0,
                "has_tasks": false,
                "_links": {
                    "self": api,
                    "notes": format!("{api}/notes"),
                    "award_emoji": format!("{api}/award_emoji"),
                    "project": self.api(),
                    "closed_as_duplicate_of": null,
                },
                "references": {
                    "short": format!("#{}", i.iid),
                    "relative": format!("#{}", i.iid),
                    "full": format!("{}#{}", self.path, i.iid),
                },
                "severity": "UNKNOWN",
                "moved_to_id": null,
                "imported": false,
                "imported_from": "none",
                "service_desk_reply_to": null,
            }),
        );
        v
    }

    fn note_json(&self, n: &Note) -> Value {
        let issue_id = self
            .issues
            .iter()
            .find(|i| i.iid == n.iid)
            .map_or(0, |i| i.id);
        json!({
            "id": n.id,
            "type": null,
            "body": n.body,
            "attachment": null,
            "author": user_json(&self.base, &n.author),
            "created_at": n.created_at,
            "updated_at": n.updated_at,
            "system": n.system,
            "noteable_id": issue_id,
            "noteable_type": "Issue",
            "project_id": self.id,
            "resolvable": false,
            "confidential": false,
            "internal": false,
            "imported": false,
            "imported_from": "none",
            "noteable_iid": n.iid,
            "commands_changes": {},
        })
    }

    fn label_event_json(&self, e: &LabelEvent) -> Value {
        let issue_id = self
            .issues
            .iter()
            .find(|i| i.iid == e.iid)
            .map_or(0, |i| i.id);
        let label = self.labels.iter().find(|l| l.id == e.label_id).map(|l| {
            json!({"id": l.id, "name": l.name, "color": l.color,
                   "description": l.description.clone().unwrap_or_default()})
        });
        json!({
            "id": e.id,
            "user": user_json(&self.base, &e.user),
            "created_at": e.created_at,
            "resource_type": "Issue",
            "resource_id": issue_id,
            "label": label,
            "action": e.action,
        })
    }

    fn state_event_json(&self, e: &StateEvent) -> Value {
        let issue_id = self
            .issues
            .iter()
            .find(|i| i.iid == e.iid)
            .map_or(0, |i| i.id);
        json!({
            "id": e.id,
            "user": user_json(&self.base, &e.user),
            "created_at": e.created_at,
            "resource_type": "Issue",
            "resource_id": issue_id,
            "state": e.state,
        })
    }
}

/// `#rrggbb` or `#rgb` as given, or a CSS colour name (a few): GitLab's check.
fn valid_color(c: &str) -> Result<String, Reply> {
    let hex = c.strip_prefix('#').is_some_and(|h| {
        (h.len() == 6 || h.len() == 3) && h.bytes().all(|b| b.is_ascii_hexdigit())
    });
    let named = ["red", "green", "blue", "black", "white", "orange", "purple"];
    if hex || named.contains(&c) {
        Ok(c.to_string())
    } else {
        Err(Reply::invalid("color", "must be a valid color code"))
    }
}

/// The text colour GitLab picks for a label's background.
fn text_color(color: &str) -> &'static str {
    let h = color.trim_start_matches('#');
    let ch = |i: usize| u32::from_str_radix(h.get(i..i + 2).unwrap_or("ff"), 16).unwrap_or(255);
    if h.len() == 6 && ch(0) * 299 + ch(2) * 587 + ch(4) * 114 > 128_000 {
        "#1F1E24"
    } else {
        "#FFFFFF"
    }
}

// ---------------------------------------------------------------- releases and packages

struct Release {
    tag: String,
    name: String,
    description: String,
    created_at: String,
    released_at: String,
    author: String,
    links: Vec<ReleaseLink>,
}

struct ReleaseLink {
    id: u64,
    name: String,
    url: String,
    link_type: String,
}

/// A generic package: files under one name and version.
struct Package {
    id: u64,
    name: String,
    version: String,
    created_at: String,
    files: Vec<PackageFile>,
}

struct PackageFile {
    id: u64,
    file_name: String,
    /// As uploaded: the size and sha256 the registry reports.
    size: usize,
    sha256: String,
    /// What a download serves (see `tamper_package_file`).
    data: Vec<u8>,
    created_at: String,
}

/// The same server as another host: `localhost` for `127.0.0.1`.
fn elsewhere(base: &str) -> String {
    base.replacen("127.0.0.1", "localhost", 1)
}

impl State {
    /// Paths outside the API, served to anyone: object storage's pre-signed
    /// downloads and files served elsewhere (see `serve_elsewhere`).
    fn serve_public(&self, method: &str, path: &str) -> Option<Reply> {
        if method != "GET" {
            return None;
        }
        if let Some(rest) = path.strip_prefix("/object-storage/") {
            let segs: Vec<&str> = rest.splitn(3, '/').collect();
            let [project, file, _] = segs[..] else {
                return Some(Reply::text(404, "NoSuchKey"));
            };
            let found = self
                .projects
                .values()
                .filter(|p| p.id.to_string() == project)
                .flat_map(|p| p.packages.iter())
                .flat_map(|k| k.files.iter())
                .find(|f| f.id.to_string() == file);
            return Some(match found {
                Some(f) => Reply::bytes(&f.data),
                None => Reply::text(404, "NoSuchKey"),
            });
        }
        self.elsewhere.get(path).map(|data| Reply::bytes(data))
    }
}

impl Project {
    /// A release as GitLab's `Release` entity shows it to a user who can read the code.
    fn release_json(&self, r: &Release) -> Value {
        let web = self.web();
        let sha = hex(&Sha256::digest(
            format!("{}:{}", self.path, r.tag).as_bytes(),
        ))[..40]
            .to_string();
        let name = self.path.rsplit('/').next().unwrap_or(&self.path);
        let tag = &r.tag;
        let sources: Vec<Value> = ["zip", "tar.gz", "tar.bz2", "tar"]
            .iter()
            .map(|f| json!({"format": f, "url": format!("{web}/-/archive/{tag}/{name}-{tag}.{f}")}))
            .collect();
        json!({
            "name": r.name,
            "tag_name": tag,
            "description": r.description,
            "description_html": format!("<p dir=\"auto\">{}</p>", html_escape(&r.description)),
            "created_at": r.created_at,
            "released_at": r.released_at,
            "upcoming_release": r.released_at > now(),
            "author": user_json(&self.base, &r.author),
            "commit": {
                "id": sha, "short_id": &sha[..8], "title": format!("Release {tag}"),
                "created_at": r.created_at, "parent_ids": [], "message": format!("Release {tag}\n"),
                "author_name": r.author, "author_email": format!("{}@example.org", r.author),
                "authored_date": r.created_at, "committer_name": r.author,
                "committer_email": format!("{}@example.org", r.author),
                "committed_date": r.created_at, "trailers": {}, "extended_trailers": {},
                "web_url": format!("{web}/-/commit/{sha}"),
            },
            "commit_path": format!("/{}/-/commit/{sha}", self.path),
            "tag_path": format!("/{}/-/tags/{tag}", self.path),
            "assets": {
                "count": 4 + r.links.len(),
                "sources": sources,
                "links": r.links.iter().map(|l| json!({
                    "id": l.id,
                    "name": l.name,
                    "url": l.url,
                    // Without a `filepath`, GitLab's direct link is the URL itself.
                    "direct_asset_url": l.url,
                    "link_type": l.link_type,
                })).collect::<Vec<_>>(),
            },
            "evidences": [{
                "sha": hex(&Sha256::digest(r.created_at.as_bytes())),
                "filepath": format!("{web}/-/releases/{tag}/evidences/1.json"),
                "collected_at": r.created_at,
            }],
            "_links": {
                "closed_issues_url": format!("{web}/-/issues?release_tag={tag}&scope=all&state=closed"),
                "closed_merge_requests_url": format!("{web}/-/merge_requests?release_tag={tag}&scope=all&state=closed"),
                "edit_url": format!("{web}/-/releases/{tag}/edit"),
                "merged_merge_requests_url": format!("{web}/-/merge_requests?release_tag={tag}&scope=all&state=merged"),
                "opened_issues_url": format!("{web}/-/issues?release_tag={tag}&scope=all&state=opened"),
                "opened_merge_requests_url": format!("{web}/-/merge_requests?release_tag={tag}&scope=all&state=opened"),
                "self": format!("{web}/-/releases/{tag}"),
            },
        })
    }

    fn package_json(&self, k: &Package) -> Value {
        json!({
            "id": k.id,
            "name": k.name,
            "version": k.version,
            "package_type": "generic",
            "status": "default",
            "_links": {
                "web_path": format!("/{}/-/packages/{}", self.path, k.id),
                "delete_api_path": format!("{}/packages/{}", self.api(), k.id),
            },
            "created_at": k.created_at,
            "last_downloaded_at": null,
            "tags": [],
        })
    }
}

// ---------------------------------------------------------------- helpers

/// A user as GitLab's `UserBasic` entity shows one.
fn user_json(base: &str, username: &str) -> Value {
    let id = user_id(username);
    json!({
        "id": id,
        "username": username,
        "name": username.replace(['_', '-', '.'], " "),
        "state": "active",
        "locked": false,
        "avatar_url": format!("https://www.gravatar.com/avatar/{}?s=80&d=identicon", &hex(&Sha256::digest(username.as_bytes()))[..32]),
        "web_url": format!("{base}/{username}"),
    })
}

/// A stable positive id for a username.
fn user_id(username: &str) -> u64 {
    let d = Sha256::digest(username.to_ascii_lowercase().as_bytes());
    u64::from(u32::from_be_bytes([d[0], d[1], d[2], d[3]]) >> 8) + 1
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// GitLab's timestamps: UTC with milliseconds, `2024-01-02T03:04:05.678Z`.
fn now() -> String {
    let t = OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}
