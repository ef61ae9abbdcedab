//! The console's small HTML kit, which knows nothing of sessions or entities: escaped markup
//! ([`html`]), the document shell and message box ([`shell`]), form widgets ([`widgets`]) and
//! parsing ([`form`]), the problems of a refused form ([`problems`]), times ([`time`]), SVG
//! charts ([`chart`]) and the stylesheet ([`assets`]).

pub mod assets;
pub mod chart;
pub mod form;
pub mod html;
pub mod problems;
pub mod shell;
pub mod time;
pub mod widgets;
