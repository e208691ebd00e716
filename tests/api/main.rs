//! Integration tests: each starts the real server on a random port with its own data dir
//! and talks to it over HTTP. Story tests run on SQLite always, and on PostgreSQL too when
//! `CANDOR_TEST_DATABASE_URL` is set.

mod accounts;
mod answers;
mod articles;
mod audit;
mod bad_input;
mod browser;
mod conversations;
mod editor;
mod handoff;
mod helpers;
mod instances;
mod languages;
mod ops;
mod other_languages;
mod persistence;
mod privacy;
mod semantic;
mod small_talk;
mod team_messages;
mod typing;
