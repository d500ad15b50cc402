use time::OffsetDateTime;

use super::*;
use crate::stage::Stage;

fn key() -> Key {
    Key {
        dist: "cmd-os-1".into(),
        product: "demo".into(),
        version: "1.4.0".into(),
    }
}

fn state() -> State {
    State {
        key: key(),
        history: vec![Transition {
            stage: Stage::Unverified,
            at: OffsetDateTime::UNIX_EPOCH,
            actor: "bot".into(),
        }],
        packages: vec![PackageRef {
            file: "a.rpm".into(),
            sha256: "00".into(),
        }],
        passed: true,
        ..State::default()
    }
}

#[test]
fn compose_then_parse_round_trips_and_keeps_human_text() {
    let body = compose(&key(), "## demo 1.4.0\n", &state(), "Human note.\n");
    let parsed = parse(&body).unwrap();
    assert_eq!(parsed.key, key());
    assert_eq!(parsed.generated, "## demo 1.4.0\n");
    assert_eq!(parsed.state, Some(state()));
    assert_eq!(parsed.outside, "Human note.\n");
    // Recomposing with the same parts gives the same body.
    assert_eq!(
        compose(
            &parsed.key,
            &parsed.generated,
            parsed.state.as_ref().unwrap(),
            &parsed.outside
        ),
        body
    );
}

#[test]
fn a_marker_not_on_the_first_line_is_ignored() {
    let forged = format!("Release notes\n{}\n", key().marker());
    assert!(parse(&forged).is_none());
    let neutral = neutralize(&key().marker());
    assert!(!neutral.contains("<!--"), "{neutral}");
}

#[test]
fn a_state_with_another_key_is_ignored() {
    let mut other = state();
    other.key.version = "9.9.9".into();
    let body = compose(&key(), "x\n", &other, "");
    assert_eq!(parse(&body).unwrap().state, None);
}

#[test]
fn neutralize_breaks_html_and_mentions() {
    let s = neutralize("<!-- x --> @team <script> a@b.org");
    assert_eq!(s, "&lt;!-- x --&gt; @\u{200b}team &lt;script&gt; a@b.org");
}
