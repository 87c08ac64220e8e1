use std::fmt;

/// A JSON pointer (RFC 6901) under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    pub fn root() -> Self {
        Self::default()
    }

    pub fn key(&self, key: &str) -> Self {
        let escaped = key.replace('~', "~0").replace('/', "~1");
        Self(format!("{}/{}", self.0, escaped))
    }

    pub fn index(&self, index: usize) -> Self {
        Self(format!("{}/{}", self.0, index))
    }
}

impl fmt::Display for Pointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_rfc_6901() {
        let p = Pointer::root().key("addresses").index(0).key("a/b~c");
        assert_eq!(p.to_string(), "/addresses/0/a~1b~0c");
        assert_eq!(Pointer::root().to_string(), "");
    }
}
