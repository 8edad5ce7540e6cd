//! Recording an event for the webhooks, in the transaction of the change
//! that causes it: the change and its event are both stored or neither.
//! One row per event with its data, one delivery row per webhook that wants
//! its kind; nothing at all when no webhook does.

use anyhow::Result;
use serde_json::{Map, Value};
use sqlx::{Any, Row, Transaction};

use crate::domain::event::{EventKind, Routes};

/// The data of one event, beyond the subscriber's id and address (which
/// [`record_event`] adds itself).
pub type EventData = Map<String, Value>;

/// Records `kind` (about `subscriber`, when it is about one) with `data`
/// for every webhook in `routes` that wants it.
pub async fn record_event(
    tx: &mut Transaction<'static, Any>,
    routes: &Routes,
    kind: EventKind,
    subscriber: Option<i64>,
    mut data: EventData,
    now: i64,
) -> Result<()> {
    let hooks = routes.wanting(kind);
    if hooks.is_empty() {
        return Ok(());
    }
    if let Some(id) = subscriber {
        let email: Option<String> = sqlx::query("SELECT email FROM subscribers WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await?
            .map(|r| r.get(0));
        data.insert("subscriber_id".into(), Value::from(id));
        if let Some(email) = email {
            data.insert("email".into(), Value::from(email));
        }
    }
    let event: i64 = sqlx::query(
        "INSERT INTO webhook_events (kind, subscriber_id, payload, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(kind.as_str())
    .bind(subscriber)
    .bind(Value::Object(data).to_string())
    .bind(now)
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    for hook in hooks {
        sqlx::query(
            "INSERT INTO webhook_deliveries (event_id, webhook, uuid, next_attempt_at, updated_at) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(event)
        .bind(hook)
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The slug of issue `id`, for an event's data.
pub async fn issue_slug(tx: &mut Transaction<'static, Any>, id: Option<i64>) -> Result<Value> {
    let Some(id) = id else {
        return Ok(Value::Null);
    };
    Ok(sqlx::query("SELECT slug FROM issues WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .map_or(Value::Null, |r| Value::from(r.get::<String, _>(0))))
}

/// Forgets what was recorded for a subscriber who is erased: their events
/// carry their address, delivered or not.
pub async fn erase_events(tx: &mut Transaction<'static, Any>, subscriber: i64) -> Result<u64> {
    sqlx::query(
        "DELETE FROM webhook_deliveries WHERE event_id IN (SELECT id FROM webhook_events WHERE subscriber_id = $1)",
    )
    .bind(subscriber)
    .execute(&mut **tx)
    .await?;
    Ok(
        sqlx::query("DELETE FROM webhook_events WHERE subscriber_id = $1")
            .bind(subscriber)
            .execute(&mut **tx)
            .await?
            .rows_affected(),
    )
}

/// Builds event data from `key: value` pairs.
pub fn data<const N: usize>(pairs: [(&str, Value); N]) -> EventData {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
