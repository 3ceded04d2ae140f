//! A plan's staff page shows who is on the plan and its history, newest first, 50 changes a
//! page by keyset, with every name and summary escaped.

use diesel::sql_query;
use diesel::sql_types::{Integer, Text};

use super::*;

fn join(app: &TestApp, plan: PlanId, user: UserId, role: &str, days_ago: i32) {
    app.exec(
        sql_query(
            "INSERT INTO plan_members (plan_id, user_id, role, created_at) \
             VALUES ($1, $2, $3, timestamptz '2026-11-30 09:15:00+00' - make_interval(days => $4))",
        )
        .bind::<Integer, _>(plan.0)
        .bind::<Integer, _>(user.0)
        .bind::<Text, _>(role)
        .bind::<Integer, _>(days_ago),
    );
}

/// The summaries of the history rows of a page, in page order.
fn history(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse("table.history tbody tr td:nth-child(4)").unwrap();
    doc.select(&rows)
        .map(|td| td.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn the_plan_page_lists_members_and_pages_through_the_history_newest_first() {
    let w = world().await;
    let app = &w.app;
    let bob = app.user("bob").insert();
    let cleo = app.user("cleo").insert();
    app.exec(
        sql_query(
            "UPDATE users SET first_name = 'Bob', last_name = '<b>Builder</b>' WHERE id = $1",
        )
        .bind::<Integer, _>(bob.id.0),
    );
    join(app, w.plan, bob.id, "editor", 2);
    join(app, w.plan, cleo.id, "viewer", 0);
    // 120 changes a minute apart (change 120 the newest), taking turns between Alice, Bob
    // and an account that is gone; two share a time, which the keyset tells apart by id.
    app.exec(
        sql_query(
            "INSERT INTO plan_changes (plan_id, user_id, action, summary, created_at) \
             SELECT $1, CASE g % 3 WHEN 0 THEN $2 WHEN 1 THEN $3 END, 'activity_edited', \
                    'change ' || g || ' <script>x</script>', \
                    timestamptz '2026-12-01 10:00:00+00' + make_interval(mins => least(g, 119)) \
             FROM generate_series(1, 120) g",
        )
        .bind::<Integer, _>(w.plan.0)
        .bind::<Integer, _>(w.alice.id.0)
        .bind::<Integer, _>(bob.id.0),
    );
    let before = app.snapshot();

    let path = format!("/admin/plans/{}", w.plan);
    let page = w.admin.get_html(&path).await;
    let members = page
        .split("id=\"members-title\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert_eq!(
        listed_ids(members, "/admin/users/"),
        [bob.id.0, cleo.id.0],
        "longest-standing first"
    );
    for text in [
        ">bob</a>",
        "Bob &#60;b&#62;Builder&#60;/b&#62;",
        "role-editor\">editor</span>",
        "2026-11-28 09:15 UTC",
        ">cleo</a>",
        "role-viewer\">viewer</span>",
        "2026-11-30 09:15 UTC",
    ] {
        assert!(members.contains(text), "{text}: {members}");
    }
    assert!(!page.contains("<b>Builder"), "names are escaped");

    // Page after page: 50, 50 and 20, newest first, each change once.
    let mut seen = Vec::new();
    let mut link = Some(path.clone());
    let mut pages = Vec::new();
    while let Some(at) = link {
        let html = w.admin.get_html(&at).await;
        assert!(
            !html.contains("<script>x</script>"),
            "summaries are escaped"
        );
        let rows = history(&html);
        pages.push(rows.len());
        seen.extend(rows);
        link = next_page(&html).map(|l| l.replace("&#38;", "&"));
        if pages.len() > 1 {
            assert!(
                html.contains(&format!("href=\"{path}#history\"")),
                "back to the newest"
            );
        }
        assert!(pages.len() < 5, "the pages end");
    }
    assert_eq!(pages, [50, 50, 20]);
    let expected: Vec<String> = (1..=120)
        .rev()
        .map(|g| format!("change {g} <script>x</script>"))
        .collect();
    assert_eq!(seen, expected);

    // Who made each: a link to their account, or "a former member".
    let first = w.admin.get_html(&path).await;
    assert!(first.contains(&format!(
        "<a href=\"/admin/users/{}\">alice</a>",
        w.alice.id
    )));
    assert!(first.contains(&format!("<a href=\"/admin/users/{}\">bob</a>", bob.id)));
    assert!(first.contains("a former member"));
    assert!(first.contains("2026-12-01 11:59:00 UTC"));

    // A cursor that does not read shows the newest page; reading changes nothing.
    for bad in ["nonsense", "1.x", "99999999999999999999.1", "12"] {
        let html = w.admin.get_html(&format!("{path}?before={bad}")).await;
        assert_eq!(history(&html).len(), 50, "{bad}");
        assert_eq!(history(&html)[0], expected[0]);
    }
    assert_eq!(app.snapshot(), before);
}

#[tokio::test]
async fn a_plan_without_members_or_history_says_so() {
    let w = world().await;
    let page = w.admin.get_html(&format!("/admin/plans/{}", w.plan)).await;
    assert!(page.contains("Nobody besides the owner."));
    assert!(page.contains("No changes recorded."));
    assert!(!page.contains("Older changes"));
}
