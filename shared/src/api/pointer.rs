use std::fmt::{self, Write};

/// A JSON pointer (RFC 6901) under construction.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pointer(String);

impl Pointer {
    pub fn root() -> Self {
        Self::default()
    }

    /// Escaped as it is copied, into one allocation: a valid request still builds the
    /// pointers of its objects (they are where the objects' errors would go).
    pub fn key(&self, key: &str) -> Self {
        let mut pointer = String::with_capacity(self.0.len() + 1 + key.len());
        pointer.push_str(&self.0);
        pointer.push('/');
        let mut rest = key;
        while let Some(at) = rest.find(['~', '/']) {
            let (before, special) = rest.split_at(at);
            pointer.push_str(before);
            pointer.push_str(if special.starts_with('~') { "~0" } else { "~1" });
            rest = &special[1..];
        }
        pointer.push_str(rest);
        Self(pointer)
    }

    pub fn index(&self, index: usize) -> Self {
        let mut pointer = String::with_capacity(self.0.len() + 4);
        pointer.push_str(&self.0);
        // Writing to a String cannot fail.
        let _ = write!(pointer, "/{index}");
        Self(pointer)
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
        let escaped = Pointer::root()
            .key("~/~~//x~")
            .key("")
            .index(12)
            .key("é/~1");
        assert_eq!(escaped.to_string(), "/~0~1~0~0~1~1x~0//12/é~1~01");
        assert_eq!(Pointer::root().to_string(), "");
    }
}
