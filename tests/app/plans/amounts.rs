//! Amounts as people type them: grouped thousands, a decimal comma, a currency symbol
//! before or after. Each is saved as meant; an amount that reads two ways is refused with
//! both readings, and nothing is written.

use std::str::FromStr;

use bigdecimal::BigDecimal;
use reqwest::StatusCode;

use super::*;
use crate::support::spawn_app;

#[tokio::test]
async fn amounts_are_read_as_people_type_them() {
    let app = spawn_app().await;
    let t = traveller(&app, "porto").await;
    let money = |v: &str| Some(BigDecimal::from_str(v).unwrap());
    for (typed, saved) in [
        ("2,500", "2500.00"),
        ("1.240,00", "1240.00"),
        ("€8", "8.00"),
        ("8 €", "8.00"),
        ("1 240,50", "1240.50"),
    ] {
        let plan = create_plan(&t.browser, &[("budget", typed)]).await;
        assert_eq!(app.plan_row(plan).unwrap().budget, money(saved), "{typed}");
        let activity = add_activity(
            &t.browser,
            &app,
            plan,
            &[
                ("title", "Port tasting"),
                ("estimated_cost", typed),
                ("latitude", "41,1406"),
                ("longitude", "-8,6110"),
            ],
        )
        .await;
        let row = app.activity_row(activity).unwrap();
        assert_eq!(row.estimated_cost, money(saved), "{typed}");
        assert_eq!(
            (row.latitude, row.longitude),
            (money("41.1406"), money("-8.6110")),
            "a decimal comma in coordinates"
        );
    }

    let before = app.snapshot();
    let response = t
        .browser
        .post_form("/plans", &plan_form(&[("budget", "0,500")]))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("could mean 0.50 or 500: write one of those."),
        "{page}"
    );
    assert_eq!(app.snapshot(), before);
}
