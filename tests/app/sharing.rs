//! Sharing: share-token links (strength, regeneration, revocation), what the shared page
//! and its calendar show and hide, headers, copying a shared plan, unsafe methods, and
//! Explore (who is listed, search, filters, pages, and who may make a plan public).

mod copy;
mod explore;
mod links;
mod privacy;

use crate::helpers::{Browser, TestApp};
use crate::plans::{create_plan, traveller, version_of};

/// Creates (or replaces) the plan's share link as its owner; returns the token.
pub async fn share(app: &TestApp, owner: &Browser, plan: i32) -> String {
    let response = owner.post_form(&format!("/plans/{plan}/share"), &[]).await;
    crate::helpers::assert_is_redirect_to(&response, &format!("/plans/{plan}#sharing"));
    app.text(&format!("SELECT share_token FROM plans WHERE id = {plan}"))
        .expect("a share token")
}

/// Sets the sharing options as the owner would from the plan page.
pub async fn set_options(
    app: &TestApp,
    owner: &Browser,
    plan: i32,
    show_costs: bool,
    show_bookings: bool,
    display_name: &str,
) {
    let version = version_of(app, "plans", plan);
    let mut form = vec![("display_name", display_name), ("version", &version)];
    if show_costs {
        form.push(("show_costs", "on"));
    }
    if show_bookings {
        form.push(("show_bookings", "on"));
    }
    let response = owner
        .post_form(&format!("/plans/{plan}/share/options"), &form)
        .await;
    crate::helpers::assert_is_redirect_to(&response, &format!("/plans/{plan}#sharing"));
}

/// A plan with a link, made by a new owner: (owner, plan id, token).
pub async fn shared_plan(
    app: &TestApp,
    owner_name: &str,
    fields: &[(&str, &str)],
) -> (crate::plans::Traveller, i32, String) {
    let owner = traveller(app, owner_name).await;
    let plan = create_plan(&owner.browser, fields).await;
    let token = share(app, &owner.browser, plan).await;
    (owner, plan, token)
}
