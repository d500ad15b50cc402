//! EGI's JSON release records, as EGI's UMD release repository
//! (egi-qc/software-releases) keeps them. Pure: a submission's state, its
//! release record and the policy in, a [`serde_json::Value`] out.
//!
//! # What EGI's repository holds (read from its records)
//!
//! Three formats, reproduced field for field from published records (the
//! fixtures in `tests/fixtures/egi/`), written by [`release_files`] at these
//! paths of the repository:
//!
//! - **pipeline input** ([`pipeline_json`]) at
//!   `json/<distributionType lowercased><major>/<product>-<version>-<os>.json`
//!   (`json/umd5/apel-2.1.0-1-el9.json`; `<version>` is the tag when it is the
//!   version with a package release, `2.1.0-1`; `<os>` is the policy target's
//!   `egi.file_os`, `el9`, `centos7`). Read by EGI's pipeline
//!   (`scripts/utils.py`): `create_dict_pkg` downloads every `target[].rpms`
//!   entry (all 253 published entries are http(s) URLs) and names the file by
//!   the URL's last path segment; `get_info_json` takes only `target[0]`'s
//!   `platform` and `arch` and puts every package in
//!   `<type>/<major>/<platform>/release/<arch>`. So: **one target per file**
//!   (every published file has exactly one), `arch` is the repository's
//!   (`x86_64`, `amd64`; 0 published `noarch`), `platform` is EGI's name
//!   (`al9`, `centos7`, `ubuntu-xenial`), and a package without URL is an
//!   error ([`ExportError`]). Version parts are strings, `documentationLinks`
//!   an array of strings (the published ones add a template placeholder
//!   `"link2"`, which we do not), `releaseDate` `YYYY-MM-DD`.
//! - **web page product record** ([`frontend_product_json`]) at
//!   `frontend-data/products/<TYPE>/<X.Y.Z>/<provider>.<product><version>.json`
//!   (`apel.apel1.8.1.json`; 972 of the 976 published names are
//!   `<name><version>`): the admin-repo's shape, `documentationLinks` an
//!   array of strings, version parts numbers, `releaseDate`
//!   `YYYY-MM-DD HH:MM:SS`, `currentState` `deployed`, targets with
//!   `id`/`productId`/`apicallback`/`status` and an empty `rpms`.
//! - **distribution record** ([`distribution_json`]) at
//!   `frontend-data/distributions/<TYPE>/<X.Y.Z>.json`: the release, its
//!   announcement texts (HTML-escaped) and products (`documentationLinks` a
//!   JSON-encoded string there). Version parts and ids are numbers.
//!
//! Repository paths per OS come from the policy target's `egi` naming
//! ([`EgiTarget`]): `sw/production/<dist>/<major>/centos7/x86_64/updates`
//! (`.../base` for a distribution's `X.0.0`: the 6 UMD 4.0.0 and all CMD
//! 1.0.0 records), `.../ubuntu/dists/xenial-updates/main/binary-amd64`
//! (`.../dists/trusty/...` in CMD-OS 1.0.0), `sw/production/umd/5/al9/release/x86_64`.
//! `changeLog` is `N/A` when the release has no changelog (never the release
//! notes link).
//!
//! Not derivable from a release, and so not what ours say: EGI's database ids
//! (`id`, `productId`), `apicallback` (admin-repo report URLs), the admin
//! repo's `gpgkey` of a web record (null or `""`), `extraOSRepos` (`crb`),
//! the `"link2"` placeholder, and the twice-escaped `repositoryURL` of CMD-ONE
//! records (`sw\/production\/...`).
//!
//! Key order: the `json!` literals below list the keys in the published order;
//! a [`serde_json::Value`] keeps them sorted unless serde_json's
//! `preserve_order` feature is on. The order means nothing to EGI's tools.
//!
//! # Pipeline input: where each field comes from
//!
//! | field | source |
//! |---|---|
//! | `name` | submission key's product (`state.key.product`) |
//! | `version` | submission key's version |
//! | `currentState` | [`ProductInput::current_state`] (e.g. `Production`) |
//! | `technology_provider` | [`Release::provider`] |
//! | `contact`, `technicalContact` | [`Release::contact`], [`Release::technical_contact`] |
//! | `description` | [`Release::description`] |
//! | `releaseDate` | [`ProductInput::release_date`], `YYYY-MM-DD` |
//! | `majorVersion`, `minorVersion`, `revisionVersion` | the key's version (semver `X.Y.Z`), as strings |
//! | `releaseNotes` | [`Release::release_notes_url`], else [`Release::notes`], else `N/A` |
//! | `changeLog` | [`Release::notes`] (the changelog section), else the release notes URL, else `N/A` |
//! | `documentationLinks` | [`Release::documentation`], http(s) links only |
//! | `repositoryURL` | the target's, as `target[].repositoryURL` |
//! | `distributionType` | [`Policy::distribution`] |
//! | `distributionVersion` | [`ProductInput::distribution_version`] |
//! | `capabilities` | [`Release::capabilities`] |
//! | `extraOSRepos` | always `[]`: extra OS repositories (e.g. `crb`) are nowhere in our data |
//! | `target[]` | exactly one [`ReleaseTarget`]: `platform`, `arch`, `repositoryURL` from the policy's `egi` naming; `gpgkey` = [`ProductInput::gpgkey`]; `rpms` = [`ReleaseTarget::packages`], each a URL |
//! | `softwareConfigurationLink` | fixed `""` |
//! | `dummy` | fixed [`DUMMY`] (`count 1`): a counter people bump so that a commit touches the file and EGI's pipeline runs again |
//!
//! # Distribution record: where each field comes from
//!
//! | field | source |
//! |---|---|
//! | `id` | [`DistributionInput::id`] |
//! | `distributionType` | [`Policy::distribution`] |
//! | `distributionVersion` and its three parts | [`DistributionInput::version`] (numbers) |
//! | `currentState` | fixed [`DEPLOYED`]: the record is written for a release |
//! | `releaseDate`, `lastUpdated` | [`DistributionInput::date`] |
//! | `created` | [`DistributionInput::created`] |
//! | `description` | [`DistributionInput::description`], plain text, escaped once |
//! | `repositoryURL` | the policy's `pipeline.announcement.repository`, else `sw/production/<distribution>/<major>` |
//! | `releaseNotes` | [`DistributionInput::release_notes_html`], escaped once |
//! | `additionalDetails` | [`DistributionInput::additional_details`] (a URL), as is |
//! | `installationNotes`, `contact`, `technicalContact`, `knownIssues`, `changeLog` | the input's plain texts, as HTML, escaped once |
//! | `products[]` | one per [`ProductInput`], in order (below) |
//!
//! A product in the distribution record (a different shape from the product file):
//!
//! | field | source |
//! |---|---|
//! | `id`, `productId` | position in `products`, from 1: EGI's database ids do not exist here |
//! | `name` | `<provider short name>.<product>`, lowercased, blanks as `_` ([`record_name`]) |
//! | `productName` | the key's product |
//! | `version` and its three parts | the key's version (numbers) |
//! | `distributionType`, `distributionVersion` | the distribution's |
//! | `description`, `contact`, `technicalContact`, `technologyProvider` | the [`Release`] |
//! | `currentState` | fixed [`DEPLOYED`] |
//! | `repositoryURL` | the distribution's |
//! | `technologyProviderShortName` | [`provider_short_name`]: the provider uppercased, blanks removed |
//! | `releaseDate`, `lastUpdated` | the distribution's date |
//! | `releaseNotes`, `changeLog` | as in the product file |
//! | `knownIssues` | [`Release::known_issues_url`], else `null` |
//! | `installationNotes` | [`Release::installation_url`], else `null` |
//! | `additionalDetails`, `apicallback`, `softwareConfigurationLink` | fixed `null` |
//! | `keywords` | fixed, the string `"[]"` |
//! | `documentationLinks` | a JSON-encoded *string* ([`documentation_links`]) |
//! | `capabilities` | [`Release::capabilities`] |
//! | `capability` | the first capability, else `null` |
//! | `targets[]` | one per [`ReleaseTarget`]: `id` (position among all targets of the record, from 1), `productId`, `platform`, `arch`, `repositoryURL` as in the product file, `gpgkey` and `rpms` `null` as published (the product file carries them), `apicallback` `""` (no admin-repo report exists; a string as published), `status` 1 |
//! | `distributionId` | [`DistributionInput::id`] |
//! | `status` | fixed 1 |
//!
//! # Escaping
//!
//! The published distribution records store the announcement texts as HTML
//! escaped once (`&lt;ul&gt;&lt;li&gt;…`, `&amp;nbsp;`): a page unescapes them
//! once and shows the HTML. So:
//!
//! - `releaseNotes` is [`DistributionInput::release_notes_html`] (HTML we
//!   generated, untrusted parts already escaped in it) escaped once;
//! - the other announcement texts (`installationNotes`, `contact`,
//!   `technicalContact`, `knownIssues`, `changeLog`) are plain text: made HTML
//!   first ([`text_to_html`]: escaped, newlines as `<br>`), then escaped once
//!   like `releaseNotes`. An untrusted `<script>` comes out as
//!   `&amp;lt;script&amp;gt;`: still escaped after the page's one unescaping;
//! - `description` and every text of a product (description, release notes,
//!   changelog, contacts, provider, capabilities, links) are plain text in the
//!   published records (raw newlines, never markup), escaped once with
//!   [`html_escape`] so that they are inert wherever a page puts them.
//!
//! [`html_escape`] escapes `&`, `<`, `>` and `"` as PHP's `htmlspecialchars`
//! did for these records (the fixture keeps `EGI's` as is); our HTML quotes its
//! attributes with `"`.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use time::{Date, OffsetDateTime};

use crate::policy::{EgiTarget, Policy};
use crate::submission::{Release, ReleaseTarget, State};

/// The product file's `dummy`: a counter people bump to re-trigger EGI's pipeline.
pub const DUMMY: &str = "count 1";
/// `currentState` of a distribution record and of its products.
pub const DEPLOYED: &str = "deployed";
/// The `type` of every documentation link in a distribution record.
pub const DOCUMENTATION_LINK_TYPE: &str = "other";
/// What the published records write where a text is not available.
pub const NOT_AVAILABLE: &str = "N/A";

/// One product release: the product file, or one of a distribution record's products.
#[derive(Debug, Clone)]
pub struct ProductInput<'a> {
    /// The submission: its key gives the product name and version.
    pub state: &'a State,
    /// The release record captured at submission (`state.release`).
    pub release: &'a Release,
    pub policy: &'a Policy,
    /// The distribution release the product goes into, e.g. `5.0.0`.
    pub distribution_version: &'a str,
    pub release_date: Date,
    /// The product file's `currentState`, e.g. `Production`.
    pub current_state: &'a str,
    /// The repository's signing key URL (`target[].gpgkey`); see [`known_gpgkey`].
    pub gpgkey: &'a str,
}

/// One distribution release with its announcement texts and products.
#[derive(Debug, Clone)]
pub struct DistributionInput<'a> {
    pub policy: &'a Policy,
    /// The distribution release, e.g. `1.3.0`.
    pub version: &'a str,
    /// Release date (`releaseDate`, `lastUpdated`), written as given, without zone.
    pub date: OffsetDateTime,
    /// When the release was prepared (`created`).
    pub created: OffsetDateTime,
    /// Plain text.
    pub description: &'a str,
    /// HTML we generated; untrusted parts must already be escaped in it.
    pub release_notes_html: &'a str,
    /// Plain text.
    pub installation_notes: &'a str,
    /// Plain text.
    pub contact: &'a str,
    /// Plain text.
    pub technical_contact: &'a str,
    /// Plain text.
    pub known_issues: &'a str,
    /// Plain text.
    pub change_log: &'a str,
    /// A URL with more details, written as is.
    pub additional_details: &'a str,
    pub products: Vec<ProductInput<'a>>,
    /// The record's id (`id`, `products[].distributionId`).
    pub id: u64,
}

/// Why a release cannot be exported: what, which, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportError(pub String);

impl std::fmt::Display for ExportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExportError {}

/// The policy's naming of a release target in EGI's records (`egi:` on the
/// policy target).
pub fn egi_naming<'p>(
    policy: &'p Policy,
    product: &str,
    target: &ReleaseTarget,
) -> Result<&'p EgiTarget, ExportError> {
    policy
        .targets
        .iter()
        .find(|t| t.id == target.id)
        .and_then(|t| t.egi.as_ref())
        .ok_or_else(|| {
            ExportError(format!(
                "{product}: target `{}` has no EGI naming in policy {}: add `egi: {{platform, arch, repository, file_os}}` to that target in the policy",
                target.id, policy.name
            ))
        })
}

/// A pipeline input: one product release for one target (EGI's reader
/// takes only `target[0]`'s platform and arch to place every package, so a
/// file never holds two targets). Every package must be a download URL.
pub fn pipeline_json(input: &ProductInput, target: &ReleaseTarget) -> Result<Value, ExportError> {
    let key = &input.state.key;
    let release = input.release;
    let naming = egi_naming(input.policy, &key.product, target)?;
    let what = format!("{} {} ({})", key.product, key.version, target.id);
    if target.packages.is_empty() {
        return Err(ExportError(format!(
            "{what}: the target lists no packages; EGI's pipeline would publish nothing"
        )));
    }
    if let Some(bare) = target.packages.iter().find(|p| web_url(Some(p)).is_none()) {
        return Err(ExportError(format!(
            "{what}: package `{bare}` has no download URL, and EGI's pipeline downloads every entry of `rpms`: submit again with `submit --download-url-base URL` (or attach the packages as release assets) so that the submission records their URLs"
        )));
    }
    let [major, minor, revision] = version_parts(&key.version);
    let repository = naming.repository_for(input.distribution_version);
    Ok(json!({
        "name": key.product,
        "version": key.version,
        "currentState": input.current_state,
        "technology_provider": release.provider,
        "contact": release.contact,
        "technicalContact": release.technical_contact,
        "description": release.description,
        "releaseDate": format_date(input.release_date),
        "majorVersion": major.to_string(),
        "minorVersion": minor.to_string(),
        "revisionVersion": revision.to_string(),
        "releaseNotes": release_notes(release),
        "changeLog": change_log(release),
        "documentationLinks": web_links(&release.documentation),
        "repositoryURL": repository,
        "distributionType": input.policy.distribution,
        "distributionVersion": input.distribution_version,
        "capabilities": release.capabilities,
        "extraOSRepos": [],
        "target": [{
            "platform": naming.platform,
            // The repository's arch: a noarch package lands in x86_64.
            "arch": naming.arch,
            "repositoryURL": repository,
            "gpgkey": input.gpgkey,
            // EGI's format names the package list `rpms` whatever the
            // package format: a deb target lists its .deb URLs here too.
            "rpms": target.packages,
        }],
        "softwareConfigurationLink": "",
        "dummy": DUMMY,
    }))
}

/// A web page's product record (`frontend-data/products/...`): one product
/// release with its targets, no package list (see the module docs).
pub fn frontend_product_json(
    input: &ProductInput,
    date: OffsetDateTime,
) -> Result<Value, ExportError> {
    let key = &input.state.key;
    let release = input.release;
    let [major, minor, revision] = version_parts(&key.version);
    let mut targets = Vec::new();
    for (target, id) in release.targets.iter().zip(1u64..) {
        let naming = egi_naming(input.policy, &key.product, target)?;
        targets.push(json!({
            "id": id,
            "productId": 1,
            "platform": naming.platform,
            "arch": naming.arch,
            "repositoryURL": naming.repository_for(input.distribution_version),
            "gpgkey": Value::Null,
            "rpms": [],
            "apicallback": "",
            "status": 1,
        }));
    }
    Ok(json!({
        "name": record_name(&release.provider, &key.product),
        "version": key.version,
        "documentationLinks": web_links(&release.documentation),
        "target": targets,
        "capabilities": release.capabilities,
        "currentState": DEPLOYED,
        "technologyProvider": release.provider,
        "contact": release.contact,
        "technicalContact": release.technical_contact,
        "description": release.description,
        "releaseDate": format_datetime(date),
        "majorVersion": major,
        "minorVersion": minor,
        "revisionVersion": revision,
        "releaseNotes": release_notes(release),
        "changeLog": change_log(release),
        "repositoryURL": distribution_repository(input.policy),
        "distributionType": input.policy.distribution,
        "distributionVersion": input.distribution_version,
        "softwareConfigurationLink": "",
    }))
}

/// One path component of a file name: no separator, no `..`, not empty.
fn file_part<'s>(what: &str, s: &'s str) -> Result<&'s str, ExportError> {
    let ok = !s.is_empty()
        && s != "."
        && s != ".."
        && !s.contains(['/', '\\', '\0'])
        && !s.chars().any(char::is_control);
    if ok {
        Ok(s)
    } else {
        Err(ExportError(format!(
            "{what} `{}` cannot be part of a file name",
            s.escape_debug()
        )))
    }
}

/// The version part of a pipeline input's name: the release tag without its
/// `v` when it is the version with a package release (`2.1.0-1`), else the version.
fn file_version<'s>(release: &'s Release, version: &'s str) -> &'s str {
    let tag = release.tag.trim();
    let tag = tag.strip_prefix(['v', 'V']).unwrap_or(tag);
    match tag
        .strip_prefix(version)
        .and_then(|rest| rest.strip_prefix('-'))
    {
        Some(rel) if !rel.is_empty() && rel.chars().all(|c| c.is_ascii_digit()) => tag,
        _ => version,
    }
}

/// Every file of a distribution release, by path relative to the root of
/// egi-qc/software-releases (see the module docs for the layout), or the first
/// reason it cannot be exported: all or nothing.
pub fn release_files(input: &DistributionInput) -> Result<Vec<(String, Value)>, ExportError> {
    let policy = input.policy;
    let dist = file_part("distribution type", &policy.distribution)?;
    let version = file_part("distribution version", input.version)?;
    let mut files = vec![(
        format!("frontend-data/distributions/{dist}/{version}.json"),
        distribution_json(input),
    )];
    let pipeline_dir = format!("json/{}{}", dist.to_lowercase(), policy.major);
    for product in &input.products {
        let key = &product.state.key;
        let name = file_part("product", &key.product)?;
        let pversion = file_part("product version", &key.version)?;
        let record = record_name(&product.release.provider, name);
        let record = file_part("product record name", &record)?;
        files.push((
            format!("frontend-data/products/{dist}/{version}/{record}{pversion}.json"),
            frontend_product_json(product, input.date)?,
        ));
        if product.release.targets.is_empty() {
            return Err(ExportError(format!(
                "{name} {pversion}: the submission records no target with packages; EGI's pipeline needs one"
            )));
        }
        for target in &product.release.targets {
            let naming = egi_naming(policy, name, target)?;
            let os = file_part("file_os", &naming.file_os)?;
            let fversion = file_part("release tag", file_version(product.release, pversion))?;
            files.push((
                format!("{pipeline_dir}/{name}-{fversion}-{os}.json"),
                pipeline_json(product, target)?,
            ));
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    if let Some((dup, _)) = files.iter().find(|(path, _)| !seen.insert(path.clone())) {
        return Err(ExportError(format!(
            "two records would be written to {dup}: give the targets distinct `file_os` in the policy"
        )));
    }
    Ok(files)
}

/// The distribution record of one distribution release (see the module docs).
pub fn distribution_json(input: &DistributionInput) -> Value {
    let policy = input.policy;
    let [major, minor, revision] = version_parts(input.version);
    let date = format_datetime(input.date);
    let repository = distribution_repository(policy);
    let mut target_id = 0u64;
    let products: Vec<Value> = input
        .products
        .iter()
        .zip(1u64..)
        .map(|(product, product_id)| {
            let targets = product
                .release
                .targets
                .iter()
                .map(|target| {
                    target_id += 1;
                    let (platform, arch, repository) =
                        match egi_naming(product.policy, &product.state.key.product, target) {
                            Ok(n) => (
                                n.platform.clone(),
                                n.arch.clone(),
                                n.repository_for(input.version).to_string(),
                            ),
                            Err(_) => (
                                target.id.clone(),
                                target.arch.clone(),
                                target_repository(product.policy, target),
                            ),
                        };
                    json!({
                        "id": target_id,
                        "productId": product_id,
                        "platform": html_escape(&platform),
                        "arch": html_escape(&arch),
                        "repositoryURL": html_escape(&repository),
                        "gpgkey": null,
                        "rpms": null,
                        "apicallback": "",
                        "status": 1,
                    })
                })
                .collect();
            distribution_product(input, product, product_id, &date, &repository, targets)
        })
        .collect();
    json!({
        "id": input.id,
        "distributionType": policy.distribution,
        "distributionVersion": input.version,
        "currentState": DEPLOYED,
        "majorVersion": major,
        "minorVersion": minor,
        "revisionVersion": revision,
        "releaseDate": date,
        "created": format_datetime(input.created),
        "lastUpdated": date,
        "description": html_escape(input.description),
        "repositoryURL": repository,
        "releaseNotes": html_escape(input.release_notes_html),
        "additionalDetails": input.additional_details,
        "installationNotes": escaped_html(input.installation_notes),
        "contact": escaped_html(input.contact),
        "technicalContact": escaped_html(input.technical_contact),
        "knownIssues": escaped_html(input.known_issues),
        "changeLog": escaped_html(input.change_log),
        "products": products,
    })
}

/// One of a distribution record's products.
fn distribution_product(
    dist: &DistributionInput,
    product: &ProductInput,
    product_id: u64,
    date: &str,
    repository: &str,
    targets: Vec<Value>,
) -> Value {
    let key = &product.state.key;
    let release = product.release;
    let [major, minor, revision] = version_parts(&key.version);
    let escaped_url = |url: Option<&String>| web_url(url.map(String::as_str)).map(html_escape);
    let capabilities: Vec<String> = release
        .capabilities
        .iter()
        .map(|c| html_escape(c))
        .collect();
    let capability = capabilities.first().cloned();
    let links: Vec<String> = web_links(&release.documentation)
        .into_iter()
        .map(html_escape)
        .collect();
    json!({
        "id": product_id,
        "name": html_escape(&record_name(&release.provider, &key.product)),
        "productName": html_escape(&key.product),
        "version": html_escape(&key.version),
        "majorVersion": major,
        "minorVersion": minor,
        "revisionVersion": revision,
        "distributionType": dist.policy.distribution,
        "distributionVersion": dist.version,
        "description": html_escape(&release.description),
        "currentState": DEPLOYED,
        "contact": html_escape(&release.contact),
        "technicalContact": html_escape(&release.technical_contact),
        "repositoryURL": repository,
        "technologyProvider": html_escape(&release.provider),
        "technologyProviderShortName": html_escape(&provider_short_name(&release.provider)),
        "releaseDate": date,
        "lastUpdated": date,
        "releaseNotes": html_escape(&release_notes(release)),
        "knownIssues": escaped_url(release.known_issues_url.as_ref()),
        "changeLog": html_escape(&change_log(release)),
        "additionalDetails": null,
        "installationNotes": escaped_url(release.installation_url.as_ref()),
        "keywords": "[]",
        "apicallback": null,
        "documentationLinks": documentation_links(&links),
        "capabilities": capabilities,
        "capability": capability,
        "targets": targets,
        "softwareConfigurationLink": null,
        "distributionId": dist.id,
        "productId": product_id,
        "status": 1,
    })
}

/// Escapes `&`, `<`, `>` and `"` for HTML, as the published records do
/// (PHP's `htmlspecialchars` with its old default: `'` stays).
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as HTML: escaped, each line break a `<br>`.
pub fn text_to_html(s: &str) -> String {
    html_escape(s).replace("\r\n", "\n").replace('\n', "<br>")
}

/// Plain text as a distribution record stores an announcement text: as HTML,
/// escaped once.
fn escaped_html(s: &str) -> String {
    html_escape(&text_to_html(s))
}

/// A distribution record's `documentationLinks`: a JSON-encoded string, PHP
/// style (`\/`), in the shape PHP gave an XML `documentationLink` list. One
/// link is an object, as published: `{"documentationLink":{"link":"https:\/\/…","type":"other"}}`.
/// Several links are an array of such objects (`{"documentationLink":[{…},{…}]}`,
/// what PHP's `json_encode` makes of repeated XML elements: the published
/// records never show two); none is `{}` (an empty element).
pub fn documentation_links<S: AsRef<str>>(links: &[S]) -> String {
    let entry = |link: &S| json!({"link": link.as_ref(), "type": DOCUMENTATION_LINK_TYPE});
    let value = match links {
        [] => json!({}),
        [one] => json!({ "documentationLink": entry(one) }),
        many => json!({ "documentationLink": many.iter().map(entry).collect::<Vec<_>>() }),
    };
    php_json_encode(&value)
}

/// JSON as PHP's `json_encode` writes it by default: `/` as `\/` and every
/// non-ASCII character as `\uXXXX` (UTF-16). The published records are written
/// so; use it to write a record byte for byte in their style.
pub fn php_json_encode(value: &Value) -> String {
    let plain = value.to_string();
    let mut out = String::with_capacity(plain.len() + plain.len() / 8);
    for c in plain.chars() {
        match c {
            // serde_json never escapes `/`, so every `/` is a character of a string.
            '/' => out.push_str("\\/"),
            c if c.is_ascii() => out.push(c),
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out
}

/// `[major, minor, revision]` of a version: semver `X.Y.Z` (a leading `v` and
/// anything after the patch number are ignored); a part that is missing or not
/// a number is 0.
pub fn version_parts(version: &str) -> [u64; 3] {
    let version = version.trim();
    let version = version.strip_prefix(['v', 'V']).unwrap_or(version);
    if let Ok(v) = semver::Version::parse(version) {
        return [v.major, v.minor, v.patch];
    }
    let mut parts = [0; 3];
    for (slot, part) in parts.iter_mut().zip(version.split('.')) {
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        *slot = digits.parse().unwrap_or(0);
    }
    parts
}

/// `technologyProviderShortName`: the provider uppercased, blanks removed
/// (`infoprovider` → `INFOPROVIDER`, as published).
pub fn provider_short_name(provider: &str) -> String {
    provider
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A distribution record product's `name`: `<provider short name>.<product>`,
/// lowercased, blanks as `_` (`apel.apel-ssm`, `ifca.caso`), as EGI's tools
/// name a product.
pub fn record_name(provider: &str, product: &str) -> String {
    format!("{}.{}", provider_short_name(provider), product)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}

/// The signing key URL EGI's published product files give for a policy's
/// repositories, where known: UMD 5 and UMD 4 (from egi-qc/software-releases'
/// `json/umd5/*.json` and `json/umd4/*.json`). Policies do not carry it (yet):
/// pass it as [`ProductInput::gpgkey`], empty when unknown.
pub fn known_gpgkey(policy: &Policy) -> Option<&'static str> {
    match (policy.distribution.as_str(), policy.major) {
        ("UMD", 5) => Some("https://repository.egi.eu/repository/umd/5/UMD-5-RPM-PGP-KEY"),
        ("UMD", 4) => Some("http://repository.egi.eu/sw/production/umd/UMD-RPM-PGP-KEY"),
        _ => None,
    }
}

/// The shape of a JSON value: objects map each key to the shape of its value,
/// arrays become `[shape of the first element]` (`[]` when empty), scalars the
/// name of their type (`null`, `bool`, `integer`, `float`, `string`). Two
/// records have the same format when their shapes agree ([`shape_differences`]).
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "bool".into(),
        Value::Number(n) if n.is_f64() => "float".into(),
        Value::Number(_) => "integer".into(),
        Value::String(_) => "string".into(),
        Value::Array(items) => Value::Array(items.first().map(shape).into_iter().collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), shape(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

/// Where `actual`'s shape differs from `expected`'s, one line per difference
/// with its path (`$.products[0].targets`): a missing or extra field, a
/// different type. An empty array on either side says nothing about its
/// elements, so it agrees with any array; a null in `expected` (a nullable
/// text field) agrees with a string.
pub fn shape_differences(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff(&shape(expected), &shape(actual), "$", &mut out);
    out
}

fn diff(expected: &Value, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                match a.get(k) {
                    Some(av) => diff(ev, av, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: missing (expected {})", kind(ev))),
                }
            }
            for (k, av) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                out.push(format!("{path}.{k}: not in the reference ({})", kind(av)));
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if let (Some(ev), Some(av)) = (e.first(), a.first()) {
                diff(ev, av, &format!("{path}[0]"), out);
            }
        }
        _ if expected == actual => {}
        // The published records leave some text fields null (EGI's database
        // columns are nullable text): a string where they have null is the
        // same field filled in, not another shape.
        (Value::String(e), Value::String(a)) if e == "null" && a == "string" => {}
        _ => out.push(format!(
            "{path}: expected {}, got {}",
            kind(expected),
            kind(actual)
        )),
    }
}

/// A shape's type in words.
fn kind(shape: &Value) -> String {
    match shape {
        Value::Object(_) => "object".into(),
        Value::Array(_) => "array".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `releaseNotes`: the release notes URL, else the notes, else `N/A`.
fn release_notes(release: &Release) -> String {
    web_url(release.release_notes_url.as_deref())
        .or_else(|| non_empty(&release.notes))
        .unwrap_or(NOT_AVAILABLE)
        .to_string()
}

/// `changeLog`: the notes (the changelog section), else `N/A` (as published:
/// a record with release notes but no changelog says `N/A`).
fn change_log(release: &Release) -> String {
    non_empty(&release.notes)
        .unwrap_or(NOT_AVAILABLE)
        .to_string()
}

fn non_empty(s: &str) -> Option<&str> {
    (!s.trim().is_empty()).then_some(s)
}

/// An http(s) URL, trimmed; anything else (`javascript:`, a bare word) is no link.
fn web_url(url: Option<&str>) -> Option<&str> {
    let url = url?.trim();
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url)
}

fn web_links(links: &[String]) -> Vec<&str> {
    links.iter().filter_map(|l| web_url(Some(l))).collect()
}

/// A target's repository path: the release's, else the policy target's, else empty.
fn target_repository(policy: &Policy, target: &ReleaseTarget) -> String {
    target
        .repository
        .clone()
        .or_else(|| {
            policy
                .targets
                .iter()
                .find(|t| t.id == target.id)
                .and_then(|t| t.repository.clone())
        })
        .unwrap_or_default()
}

/// The distribution's production repository, e.g. `sw/production/cmd-os/1`.
fn distribution_repository(policy: &Policy) -> String {
    policy
        .pipeline
        .announcement
        .repository
        .clone()
        .unwrap_or_else(|| {
            format!(
                "sw/production/{}/{}",
                policy.distribution.to_lowercase(),
                policy.major
            )
        })
}

/// `YYYY-MM-DD`.
fn format_date(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `YYYY-MM-DD HH:MM:SS`, in the offset given.
fn format_datetime(t: OffsetDateTime) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        format_date(t.date()),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[cfg(test)]
mod tests;
