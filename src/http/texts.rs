//! The staff pages' fixed texts are declared with [`bilingual!`]: one line per text with its
//! English and its French, so that adding a text in one language without the other does not
//! compile.

/// Declares a struct of `&'static str` texts, its English and French values, and the function
/// that picks one by language.
macro_rules! bilingual {
    ($(#[$meta:meta])* $name:ident, $pick:ident { $($key:ident: $en:literal / $fr:literal,)* }) => {
        $(#[$meta])*
        pub struct $name { $(pub $key: &'static str,)* }
        const EN: $name = $name { $($key: $en,)* };
        const FR: $name = $name { $($key: $fr,)* };

        /// The texts in one language.
        pub fn $pick(lang: crate::knowledge::Lang) -> &'static $name {
            match lang {
                crate::knowledge::Lang::Fr => &FR,
                crate::knowledge::Lang::En => &EN,
            }
        }
    };
}
pub(crate) use bilingual;
