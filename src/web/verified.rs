//! The subscriber a signed link names, as an extractor: a handler that takes
//! `Verified<PreferencesLink>` runs only for a genuine preferences token of a
//! subscriber who still exists, made in their current link generation (not
//! revoked since) and, for kinds that expire, not too long ago; anything else
//! is answered with the one "link not valid" page before the handler sees it.

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

    /// How long, in seconds, such a link stays valid; None: until revoked.
    fn max_age(_s: &AppState) -> Option<i64> {
        None
    }
}

pub struct PreferencesLink;
pub struct UnsubscribeLink;
pub struct ConfirmLink;
/// The mailed link to download or erase one's data.
pub struct DataLink;

impl LinkPurpose for PreferencesLink {
    const PURPOSE: Purpose = Purpose::Preferences;
}
impl LinkPurpose for UnsubscribeLink {
    const PURPOSE: Purpose = Purpose::Unsubscribe;
}
impl LinkPurpose for ConfirmLink {
    const PURPOSE: Purpose = Purpose::Confirm;
}
impl LinkPurpose for DataLink {
    const PURPOSE: Purpose = Purpose::Data;

    fn max_age(s: &AppState) -> Option<i64> {
        Some(i64::from(s.config.limits.data_link_hours) * 3600)
    }
}

/// Processes sharing a database may disagree on the time by this much.
const CLOCK_SKEW_SECS: i64 = 300;

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
        if claims.generation != subscriber.link_generation {
            return Err(AppError::InvalidLink);
        }
        if let Some(max_age) = P::max_age(state) {
            let age = state.now() - claims.issued_at;
            // A token from the future was not made by this clock: refused too.
            if !(-CLOCK_SKEW_SECS..=max_age).contains(&age) {
                return Err(AppError::InvalidLink);
            }
        }
        Ok(Self {
            token,
            claims,
            subscriber,
            purpose: PhantomData,
        })
    }
}
