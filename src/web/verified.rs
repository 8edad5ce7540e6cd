//! The subscriber a signed link names, as an extractor: a handler that takes
//! `Verified<PreferencesLink>` runs only for a genuine, unexpired preferences
//! token of a subscriber who still exists; anything else is answered with
//! the one "link not valid" page before the handler sees it.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use std::marker::PhantomData;

use super::AppState;
use super::error::AppError;
use crate::domain::subscriber::Subscriber;
use crate::domain::token::{Claims, Purpose};

/// What a kind of link is for.
pub trait LinkPurpose: Send + Sync {
    const PURPOSE: Purpose;
}

pub struct PreferencesLink;
pub struct UnsubscribeLink;
pub struct ConfirmLink;

impl LinkPurpose for PreferencesLink {
    const PURPOSE: Purpose = Purpose::Preferences;
}
impl LinkPurpose for UnsubscribeLink {
    const PURPOSE: Purpose = Purpose::Unsubscribe;
}
impl LinkPurpose for ConfirmLink {
    const PURPOSE: Purpose = Purpose::Confirm;
}

/// A genuine link of purpose `P` and the subscriber it names.
pub struct Verified<P> {
    /// The token as it stands in the URL, for links back to the same page.
    pub token: String,
    pub claims: Claims,
    pub subscriber: Subscriber,
    purpose: PhantomData<P>,
}

impl<P: LinkPurpose> FromRequestParts<AppState> for Verified<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let Path(token) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::InvalidLink)?;
        let claims = state
            .links
            .verify(&token, P::PURPOSE)
            .ok_or(AppError::InvalidLink)?;
        let subscriber = state
            .db
            .subscriber_by_id(claims.subscriber_id)
            .await?
            .ok_or(AppError::InvalidLink)?;
        Ok(Self {
            token,
            claims,
            subscriber,
            purpose: PhantomData,
        })
    }
}
