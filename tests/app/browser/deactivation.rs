//! Staff deactivate a user whose open browser is then signed out.

use diesel::prelude::*;
use wayfare::db::schema::user_sessions;

use super::browser_app;
use crate::support::{Driver, unique};

#[tokio::test]
async fn staff_deactivate_a_user_whose_open_browser_is_signed_out_on_its_next_click() {
    let Some(driver) = Driver::start("deactivation journey").await else {
        return;
    };
    let app = browser_app().await;
    let cy = app.user(&unique("cy")).insert();
    app.plan(&cy).title("Cy's trip").lisbon_trip().insert();
    let staff = app.user(&unique("staff")).staff().insert();

    let user = driver.browser(&app, 1280).await;
    user.log_in(&cy).await;
    assert!(user.visible_text().await.contains("Cy's trip"));

    let admin = driver.browser(&app, 1280).await;
    admin.log_in(&staff).await;
    admin.goto(&format!("/admin/users/{}", cy.id)).await;
    admin
        .click_to_page(&format!(
            "form[action=\"/admin/users/{}/deactivate\"] button",
            cy.id
        ))
        .await;
    assert!(admin.visible_text().await.contains("deactivated"));
    assert_eq!(
        app.user_row(cy.id)
            .filter(|u| u.is_active == Some(false))
            .iter()
            .count(),
        1
    );

    // The user's next click lands on the login page, signed out.
    user.click_to_page("header a[href=\"/plans\"]").await;
    assert_eq!(user.path().await, "/login?next=%2Fplans");
    assert!(user.exists("form[action=\"/login\"]").await);
    assert!(!user.exists("header a[href=\"/account\"]").await);
    assert!(!user.visible_text().await.contains("Cy's trip"));
    assert_eq!(
        app.one::<i64, _>(
            user_sessions::table
                .filter(user_sessions::user_id.eq(cy.id))
                .filter(user_sessions::is_active.eq(true))
                .count()
        ),
        0
    );
    user.close().await;
    admin.close().await;
}
