//! What an address is: its pattern, who may use it, which methods it answers, which part of the
//! site serves it. The table itself is `endpoints.rs`; the `endpoints!` macro here turns it into
//! the [`Endpoint`](super::Endpoint) enum, its list and its spec lookup, so one entry is all an
//! address is declared by.

use sharecare_domain::staff::Role;
use sharecare_domain::Locale;

/// Who may use an endpoint. Checked on the server for every request (`http::admin::guard`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the public site, and the staff sign-in page).
    Public,
    /// A signed-in member of staff with at least this role.
    Staff(Role),
    /// A donor signed in to their own gifts.
    Donor,
}

/// Which methods an endpoint answers; every other method gets 405.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Methods {
    Get,
    Post,
    GetAndPost,
}

impl Methods {
    pub fn get(self) -> bool {
        matches!(self, Methods::Get | Methods::GetAndPost)
    }

    pub fn post(self) -> bool {
        matches!(self, Methods::Post | Methods::GetAndPost)
    }
}

/// One address as the table declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spec {
    /// The route pattern, as the router spells it (`{name}` is a path parameter).
    pub pattern: &'static str,
    pub access: Access,
    pub methods: Methods,
}

impl Spec {
    /// The pattern with [`SAMPLES`] in its parameters: a real address, for tests that walk the
    /// routes.
    pub fn example(&self) -> String {
        let values: Vec<&str> = parameters(self.pattern)
            .map(|name| {
                SAMPLES
                    .iter()
                    .find(|(param, _)| *param == name)
                    .map(|(_, sample)| *sample)
                    .unwrap_or_else(|| panic!("no sample for {{{name}}} in {}", self.pattern))
            })
            .collect();
        fill(self.pattern, &values)
    }
}

/// A sample value for each path parameter any pattern has (a test checks every one is here).
pub const SAMPLES: [(&str, &str); 12] = [
    ("locale", Locale::DEFAULT.code()),
    ("slug", "yiyi"),
    ("code", "ABCDEFGHJK"),
    ("reference", "LBC-7K3Q9X"),
    ("file", "yiyi-0.png"),
    ("import", "0123456789abcdef0123456789abcdef"),
    ("line", "0123456789abcdef0123456789abcdef"),
    ("kind", "exception"),
    ("item", "0123456789abcdef0123456789abcdef"),
    ("receipt", "0123456789abcdef0123456789abcdef"),
    ("year", "2026"),
    ("payment", "0123456789abcdef0123456789abcdef"),
];

/// The names of a pattern's parameters, in order (`{locale}` is `locale`).
pub fn parameters(pattern: &str) -> impl Iterator<Item = &str> {
    pattern.split('/').filter_map(|segment| {
        segment
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
    })
}

/// `pattern` with `values` in its parameters, in order. The values are typed where builders
/// take them (a locale, a reference, a slug checked when content loads, hex the server made),
/// so none needs escaping. A builder giving the wrong number of values is a bug its test shows.
pub fn fill(pattern: &str, values: &[&str]) -> String {
    let mut values = values.iter();
    let segments: Vec<&str> = pattern
        .split('/')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                values
                    .next()
                    .unwrap_or_else(|| panic!("too few values for {pattern}"))
            } else {
                segment
            }
        })
        .collect();
    assert!(values.next().is_none(), "too many values for {pattern}");
    segments.join("/")
}

/// Declares every endpoint from one table, grouped by the part of the site that serves it
/// (see `endpoints.rs` for the table and what each line means). It makes:
///
/// - [`Endpoint`](super::Endpoint), one variant per line, with [`Endpoint::ALL`](super::Endpoint::ALL)
///   and [`Endpoint::spec`](super::Endpoint::spec), an exhaustive match;
/// - for each part, an enum of its own endpoints (`SiteEndpoint`, …) with its `ALL`, which is
///   what that part's router matches on to pick handlers: with no default arm there, an
///   endpoint without a handler does not compile;
/// - [`Area`](super::Area), and [`Endpoint::area`](super::Endpoint::area) from each endpoint to its part.
macro_rules! endpoints {
    (
        $(
            $(#[$area_meta:meta])*
            $area:ident($sub:ident) {
                $(
                    $(#[$meta:meta])*
                    $name:ident: $pattern:literal, $access:ident $(($role:ident))?, $methods:ident;
                )*
            }
        )*
    ) => {
        /// One endpoint of the HTTP surface. The router registers every one of
        /// [`Endpoint::ALL`] with its handler, and tests walk the same list (methods, security
        /// checks).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Endpoint {
            $($( $(#[$meta])* $name, )*)*
        }

        impl Endpoint {
            pub const ALL: [Endpoint; [$($(stringify!($name),)*)*].len()] =
                [$($(Endpoint::$name,)*)*];

            /// The endpoint's line in the table.
            pub const fn spec(self) -> $crate::paths::Spec {
                match self {
                    $($(
                        Endpoint::$name => $crate::paths::Spec {
                            pattern: $pattern,
                            access: $crate::paths::Access::$access
                                $((sharecare_domain::staff::Role::$role))?,
                            methods: $crate::paths::Methods::$methods,
                        },
                    )*)*
                }
            }

            /// The part of the site that serves it.
            pub const fn area(self) -> Area {
                match self {
                    $($( Endpoint::$name => Area::$area($sub::$name), )*)*
                }
            }
        }

        /// The parts of the site, each with its own router, session and headers.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Area {
            $( $(#[$area_meta])* $area($sub), )*
        }

        $(
            $(#[$area_meta])*
            #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
            pub enum $sub {
                $( $(#[$meta])* $name, )*
            }

            impl $sub {
                pub const ALL: [$sub; [$(stringify!($name),)*].len()] = [$($sub::$name,)*];

                pub const fn endpoint(self) -> Endpoint {
                    match self {
                        $( $sub::$name => Endpoint::$name, )*
                    }
                }
            }

            impl From<$sub> for Endpoint {
                fn from(endpoint: $sub) -> Endpoint {
                    endpoint.endpoint()
                }
            }
        )*
    };
}

pub(super) use endpoints;
