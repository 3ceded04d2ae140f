//! Place search for the activity and plan forms: without JavaScript, a "Search places"
//! button in the form lists the places found as buttons that fill the fields in (nothing
//! is saved until the form's own save); with it, suggestions from `GET /places?q=`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::extractors::CurrentUser;
use crate::db::Db;
use crate::domain::ids::UserId;
use crate::error::AppError;
use crate::geocoder::{Place, SearchError};
use crate::rate_limit::Kind;
use crate::state::AppState;

/// The place-search part of a form, as the template shows it.
#[derive(Debug, Default)]
pub struct PlaceSearch {
    /// A geocoder is configured: the search field and button are shown.
    pub enabled: bool,
    pub query: String,
    pub results: Vec<PlaceChoice>,
    /// Why nothing is listed, or what was filled in.
    pub message: Option<String>,
}

#[derive(Debug)]
pub struct PlaceChoice {
    /// "Kyoto, Kyoto Prefecture, Japan".
    pub label: String,
    /// The place as JSON, posted back by its "Use" button.
    pub value: String,
}

/// The fields a form with a place search posts besides its own (never part of its `base`:
/// they are no field of the row).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct PlaceFields {
    /// The search field.
    pub place_query: String,
    /// Set when "Search places" was pressed.
    pub search_places: String,
    /// The chosen place (a result's button), as JSON.
    pub use_place: String,
}

impl PlaceFields {
    /// "Search places" or a result's "Use" button was pressed (not the form's save).
    pub fn pressed(&self) -> bool {
        !self.search_places.is_empty() || !self.use_place.is_empty()
    }
}

/// What a press of a place-search button asks for.
pub enum PlaceStep {
    /// The form again with these results or this message; nothing saved.
    Listed(PlaceSearch),
    /// Fill the form's fields with this place and show it again; nothing saved.
    Chosen(Place, PlaceSearch),
}

impl PlaceStep {
    /// The search to show with the form again, once `fill` has put a chosen place into it.
    pub fn shown(self, fill: impl FnOnce(Place)) -> PlaceSearch {
        match self {
            PlaceStep::Listed(shown) => shown,
            PlaceStep::Chosen(place, shown) => {
                fill(place);
                shown
            }
        }
    }
}

impl PlaceFields {
    /// The search field alone, as the form shows it again: no button pressed.
    pub fn query_only(&self) -> PlaceFields {
        PlaceFields {
            place_query: self.place_query.clone(),
            ..PlaceFields::default()
        }
    }
}

impl PlaceSearch {
    pub fn for_form(state: &AppState) -> Self {
        PlaceSearch {
            enabled: state.geocoder.is_some(),
            ..PlaceSearch::default()
        }
    }
}

/// The places for `query`, counted against the user's daily allowance of searches.
async fn search(
    state: &AppState,
    db: &Db,
    user_id: UserId,
    query: &str,
) -> Result<Result<Vec<Place>, String>, AppError> {
    let Some(geocoder) = &state.geocoder else {
        return Ok(Err("Place search is not set up on this server.".into()));
    };
    if query.trim().is_empty() {
        return Ok(Err(SearchError::EmptyQuery.to_string()));
    }
    state
        .limiter
        .hit(
            db,
            Kind::PlaceSearch,
            &user_id.to_string(),
            state.settings.limits.place_searches_per_user,
        )
        .await?;
    Ok(geocoder.search(query).await.map_err(|e| e.to_string()))
}

/// `None` when the form was posted to be saved; otherwise the search or the choice.
pub async fn step(
    state: &AppState,
    db: &Db,
    user_id: UserId,
    fields: &PlaceFields,
) -> Result<Option<PlaceStep>, AppError> {
    let mut shown = PlaceSearch {
        query: fields.place_query.clone(),
        ..PlaceSearch::for_form(state)
    };
    if !fields.use_place.is_empty() {
        return Ok(Some(
            match serde_json::from_str::<Place>(&fields.use_place) {
                Ok(place) => {
                    shown.message = Some(format!(
                        "Filled in from “{}”. Nothing is saved until you save the form.",
                        place.name
                    ));
                    PlaceStep::Chosen(place, shown)
                }
                Err(_) => {
                    shown.message = Some("That place could not be read: search again.".into());
                    PlaceStep::Listed(shown)
                }
            },
        ));
    }
    if fields.search_places.is_empty() {
        return Ok(None);
    }
    match search(state, db, user_id, &fields.place_query).await? {
        Ok(places) if places.is_empty() => {
            shown.message = Some(format!(
                "No place matches “{}”. Try other words, or type the place yourself.",
                fields.place_query.trim()
            ));
        }
        Ok(places) => {
            shown.results = places
                .iter()
                .map(|p| PlaceChoice {
                    label: p.label(),
                    value: serde_json::to_string(p).unwrap_or_default(),
                })
                .collect();
        }
        Err(message) => shown.message = Some(message),
    }
    Ok(Some(PlaceStep::Listed(shown)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PlacesQuery {
    q: String,
}

/// `GET /places?q=`: the suggestions, `{"places": [...]}`, or `{"places": [], "message":
/// "..."}` when the search failed: still 200, since the site's error pages replace the
/// body of any error status, and the script shows the message either way. 404 when no
/// geocoder is configured.
pub async fn suggestions(
    current: CurrentUser,
    state: web::Data<AppState>,
    db: web::Data<Db>,
    query: web::Query<PlacesQuery>,
) -> Result<HttpResponse, AppError> {
    if state.geocoder.is_none() {
        return Err(AppError::NotFound);
    }
    if query.q.trim().is_empty() {
        return Ok(HttpResponse::Ok().json(serde_json::json!({ "places": [] })));
    }
    Ok(match search(&state, &db, current.id(), &query.q).await? {
        Ok(places) => HttpResponse::Ok().json(serde_json::json!({ "places": places })),
        Err(message) => {
            HttpResponse::Ok().json(serde_json::json!({ "places": [], "message": message }))
        }
    })
}
