//! A printed plan: fifteen activities over six days, with everything a traveller writes on
//! them, fit on two A4 pages, without navigation, badges or controls. The PDF and a
//! print-media screenshot go to `target/screenshots/`.

use fantoccini::wd::PrintConfiguration;
use serde_json::{Value, json};

use super::{browser_app, screenshot, screenshot_dir};
use crate::support::{Chrome, Driver, TestApp, TestUser, unique};

/// One activity of the week: day, start and end, title, kind, place, estimated cost.
type Stop = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// One row a stop, as a traveller would list them.
#[rustfmt::skip]
const WEEK: [Stop; 15] = [
    ("2026-09-14", "10:05", "12:30", "Flight from Amsterdam", "transport", "Lisbon Airport", "180"),
    ("2026-09-14", "14:00", "15:00", "Check in at Casa do Fado", "accommodation", "Rua da Regueira 12", "390"),
    ("2026-09-14", "19:30", "22:00", "Dinner and fado in Alfama", "restaurant", "Tasca do Chico", "55"),
    ("2026-09-15", "09:30", "12:30", "São Jorge Castle", "attraction", "Castelo de São Jorge", "15"),
    ("2026-09-15", "13:00", "14:00", "Tram 28 across the old town", "transport", "Martim Moniz", "3"),
    ("2026-09-15", "15:00", "17:30", "Tile museum", "attraction", "Museu Nacional do Azulejo", "8"),
    ("2026-09-16", "09:00", "13:00", "Belém: the monastery and the tower", "attraction", "Mosteiro dos Jerónimos", "18"),
    ("2026-09-16", "13:30", "14:30", "Pastéis de Belém", "restaurant", "Rua de Belém 84", "9"),
    ("2026-09-16", "16:00", "18:00", "MAAT by the river", "attraction", "Avenida Brasília", "11"),
    ("2026-09-17", "08:30", "18:30", "Day trip to Sintra", "activity", "Palácio da Pena", "45"),
    ("2026-09-17", "18:00", "22:00", "Dinner in Príncipe Real", "restaurant", "Rua Dom Pedro V 91", "40"),
    ("2026-09-18", "10:00", "13:00", "Surf lesson in Carcavelos", "activity", "Praia de Carcavelos", "35"),
    ("2026-09-18", "18:30", "20:00", "Sunset at the Miradouro", "other", "Miradouro da Senhora do Monte", "0"),
    ("2026-09-19", "10:00", "11:30", "LX Factory market", "activity", "Rua Rodrigues de Faria 103", "20"),
    ("2026-09-19", "16:40", "20:55", "Flight home", "transport", "Lisbon Airport", "165"),
];

fn week_in_lisbon(app: &TestApp, owner: &TestUser) -> i32 {
    let plan = app
        .plan(owner)
        .title("A week in Lisbon, Belém and Sintra")
        .destination("Lisbon")
        .dates("2026-09-14", "2026-09-19")
        .budget("1500", "EUR")
        .description("Six days of tiles, trams, pastries and the sea, with a day in the hills.")
        .data(json!({
            "notes": "Pack sunscreen and comfortable shoes: the old town is all hills. \
                      Buy a Viva Viagem card at the airport.",
            "preferences": {"budget_type": "mid-range", "travel_style": "cultural",
                            "group_size": 2, "accessibility_needs": []},
            "accommodation": {"type": "apartment", "booking_details": {
                "name": "Casa do Fado", "address": "Rua da Regueira 12, Lisbon",
                "confirmation_number": "CF-2231", "check_in": "2026-09-14",
                "check_out": "2026-09-19"}, "preferences": ["wifi", "balcony"]},
            "transportation": {"arrival": {"method": "flight", "details":
                {"carrier": "TAP", "number": "TP661", "arrives_at": "2026-09-14 12:30"}},
                "local": {"methods": ["walking", "public_transport"]}},
            "external_bookings": {
                "flights": [
                    {"provider": "TAP", "confirmation_number": "X7K2LM",
                     "starts_at": "2026-09-14 10:05", "cost": "180.00"},
                    {"provider": "TAP", "confirmation_number": "X7K2LN",
                     "starts_at": "2026-09-19 16:40", "cost": "165.00"}],
                "hotels": [{"provider": "Booking.com", "confirmation_number": "4410-2231",
                            "starts_at": "2026-09-14", "cost": "390.00"}],
                "activities": [{"provider": "GetYourGuide", "confirmation_number": "GYG-88123",
                                "starts_at": "2026-09-17 08:30", "cost": "45.00"}]},
        }))
        .insert()
        .id;
    for (n, (day, starts, ends, title, kind, place, cost)) in WEEK.into_iter().enumerate() {
        let mut activity = app
            .activity(plan)
            .title(title)
            .date(day)
            .starts(starts)
            .ends(ends)
            .kind(kind)
            .location(place)
            .address(&format!("{place}, Lisbon, Portugal"))
            .at(&format!("38.7{n:02}"), &format!("-9.1{n:02}"))
            .cost(cost)
            .next_in_order()
            .description(&format!(
                "{title}: go early to miss the queues, and keep an hour spare in case the \
                 trams are full."
            ));
        if n % 2 == 0 {
            activity = activity.actual_cost(cost).metadata(json!({
                "booking_info": {"confirmation_number": format!("LX-{n:04}"),
                                 "provider": "GetYourGuide",
                                 "cancellation_policy": "free until 24 hours before"},
                "contact_info": {"phone": "+351 21 000 0000",
                                 "website": "https://example.org/lisbon"},
            }));
        }
        if n < 4 {
            activity = activity.completed();
        }
        activity.insert();
    }
    plan.0
}

/// Counts the pages of a PDF: its `/Type /Page` objects (not `/Pages`, their tree).
fn pdf_pages(pdf: &[u8]) -> usize {
    let needle = b"/Type /Page";
    pdf.windows(needle.len() + 1)
        .filter(|w| &w[..needle.len()] == needle && w[needle.len()] != b's')
        .count()
}

/// What the plan page prints in the colour `scheme`: every activity and detail, in ink
/// that reads on white paper, and no navigation, controls, badges, map, charts or empty
/// sections.
async fn check_printed_page(chrome: &Chrome, scheme: &str) {
    chrome.emulate_media("print", scheme).await;
    assert_eq!(chrome.js("return matchMedia('print').matches").await, true);
    let printed: Value = chrome
        .js(
            "const shown = e => e.getClientRects().length > 0;
             // Relative luminance (WCAG) of a computed colour, rgb() or color(srgb).
             const luminance = css => {
               const srgb = css.startsWith('color(');
               const [r, g, b] = css.match(/[\\d.]+/g).slice(0, 3)
                 .map(v => srgb ? +v : v / 255)
                 .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
               return 0.2126 * r + 0.7152 * g + 0.0722 * b;
             };
             const describe = e => e.tagName.toLowerCase() + (e.getAttribute('class') ? '.' + e.getAttribute('class') : '');
             return {
               controls: [...document.querySelectorAll(
                   'nav, form, button, input, select, textarea, summary, [role=button], .badge, .map, .chart, svg, .site-header, .site-footer')]
                 .filter(shown).map(describe),
               titles: [...document.querySelectorAll('li.activity strong')].filter(shown).map(e => e.textContent),
               days: [...document.querySelectorAll('section.day')].filter(shown).length,
               empty: [...document.querySelectorAll('main section, main article, main ul')]
                 .filter(shown).filter(e => !e.innerText.trim()).map(describe),
               text: document.body.innerText,
               faint: [...document.querySelectorAll('main *')].filter(shown)
                 .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
                 .filter(e => 1.05 / (luminance(getComputedStyle(e).color) + 0.05) < 4.5)
                 .map(e => describe(e) + ' ' + getComputedStyle(e).color),
             };",
        )
        .await;
    assert_eq!(printed["controls"], json!([]), "shown in print ({scheme})");
    assert_eq!(printed["empty"], json!([]), "empty in print ({scheme})");
    assert_eq!(
        printed["faint"],
        json!([]),
        "under 4.5:1 on paper ({scheme})"
    );
    let titles: Vec<&str> = WEEK.iter().map(|stop| stop.3).collect();
    assert_eq!(printed["titles"], json!(titles), "every activity, in order");
    assert_eq!(printed["days"], 6);
    let text = printed["text"].as_str().unwrap();
    for expected in [
        "Overlaps with",
        "Casa do Fado",
        "X7K2LM",
        "LX-0000",
        "Estimated",
        "Trip details",
    ] {
        assert!(text.contains(expected), "{expected} not printed:\n{text}");
    }
    for control in [
        "Log out",
        "My plans",
        "Add activity",
        "Edit plan",
        "Sharing",
        "Change",
        "Open in maps",
    ] {
        assert!(!text.contains(control), "{control} printed:\n{text}");
    }
}

#[tokio::test]
async fn a_plan_of_fifteen_activities_prints_on_two_a4_pages_without_controls() {
    let Some(driver) = Driver::start("print").await else {
        return;
    };
    let app = browser_app().await;
    let owner = app.user(&unique("ines")).insert();
    let plan = week_in_lisbon(&app, &owner);
    let chrome = driver.browser(&app, 1280).await;
    chrome.log_in(&owner).await;
    chrome.goto(&format!("/plans/{plan}")).await;
    chrome
        .wait_until("the page", "document.readyState === 'complete'")
        .await;

    // Pico's dark colours are for screens; a reader in dark mode prints black on white too.
    for scheme in ["dark", "light"] {
        check_printed_page(&chrome, scheme).await;
    }
    // As wide as the printed column: A4's 210 mm less print.css's margins, at 96 px an inch.
    screenshot(&chrome, "plan-print", 703).await;

    let a4 = PrintConfiguration::builder()
        .shrink_to_fit(false)
        .build()
        .unwrap();
    let pdf = chrome
        .client
        .print(a4)
        .await
        .expect("the page did not print");
    std::fs::write(screenshot_dir().join("plan-print.pdf"), &pdf).unwrap();
    let pages = pdf_pages(&pdf);
    assert!(
        (1..=2).contains(&pages),
        "the plan printed on {pages} pages (target/screenshots/plan-print.pdf)"
    );
    chrome.close().await;
}
