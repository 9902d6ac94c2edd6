//! The state of a parent–child binding request (SPEC §7 «親子綁定»).

use serde::{Deserialize, Serialize};

/// Status of a binding request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BindingStatus {
    /// «審核中»
    Pending,
    /// «核可»: the binding is in force.
    Approved,
    /// «退回», with a reason.
    Returned,
    /// Ended by the parent.
    Unbound,
    /// Ended by staff (protection cases).
    Removed,
}

impl BindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Returned => "returned",
            Self::Unbound => "unbound",
            Self::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "approved" => Some(Self::Approved),
            "returned" => Some(Self::Returned),
            "unbound" => Some(Self::Unbound),
            "removed" => Some(Self::Removed),
            _ => None,
        }
    }
}
