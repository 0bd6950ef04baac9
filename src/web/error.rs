//! Errors as responses: JSON `{"error": "..."}` with the right status for
//! the API, a small HTML page for pages. Internal details are logged to
//! stderr, never sent.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::review::{DecisionError, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    TooManyRequests(String),
    #[error("{0}")]
    Unprocessable(String),
    /// A 422 whose JSON also lists the values the answer cell allows.
    #[error("{message}")]
    NotAllowed {
        message: String,
        allowed: Vec<String>,
    },
    /// Logged, and answered with a generic message.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            AppError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unprocessable(_) | AppError::NotAllowed { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client may see.
    pub fn public_message(&self) -> String {
        if let AppError::Internal(detail) = self {
            eprintln!("error: {detail}");
            return "internal error; see the server log".to_string();
        }
        self.to_string()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = serde_json::json!({ "error": self.public_message() });
        if let AppError::NotAllowed { allowed, .. } = &self {
            body["allowed"] = serde_json::json!(allowed);
        }
        (status, Json(body)).into_response()
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound(_) | StoreError::NoQuestion { .. } => {
                AppError::NotFound(e.to_string())
            }
            StoreError::Rejected(m) => AppError::Unprocessable(m),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl From<DecisionError> for AppError {
    fn from(e: DecisionError) -> AppError {
        match e {
            DecisionError::NotAllowed { ref allowed, .. } => AppError::NotAllowed {
                allowed: allowed.clone(),
                message: e.to_string(),
            },
            _ => AppError::Unprocessable(e.to_string()),
        }
    }
}

/// An error shown as an HTML page.
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let page = super::pages::ErrorPage {
            status: status.as_u16(),
            message: self.0.public_message(),
        };
        let html = askama::Template::render(&page)
            .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error</p>".into());
        (status, Html(html)).into_response()
    }
}
