//! Staff roles: what a signed-in member of staff may do. Ordered: each role may do all that the
//! ones before it may.

/// A staff member's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Reads donations, figures and the exceptions queue.
    Viewer,
    /// Also confirms transfers, imports statements, refunds, resolves exceptions and exports.
    Finance,
    /// Also manages staff and their sign-in rules.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Finance, Role::Admin];

    /// The stored and typed code.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == value.trim().to_ascii_lowercase())
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self >= needed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_read_back_and_rank() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse(" Finance "), Some(Role::Finance));
        assert_eq!(Role::parse("owner"), None);
        assert!(Role::Admin.allows(Role::Finance));
        assert!(Role::Finance.allows(Role::Viewer));
        assert!(!Role::Viewer.allows(Role::Finance));
        assert!(!Role::Finance.allows(Role::Admin));
    }
}
