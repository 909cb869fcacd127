//! The integration tests: one binary, every test against the real server on both engines.

mod helpers;
mod identity;

mod accounts;
mod applicant_pages;
mod applications;
mod audit_events;
mod audit_trail;
mod authorization;
mod browser;
mod browser_apply;
mod browser_login;
mod browser_notice;
mod browser_review;
mod bureau_pages;
mod calendar_api;
mod cli;
mod consoles;
mod garbage;
mod gateway;
mod jobs;
mod notice_pages;
mod notices;
mod operations;
mod pages;
mod recognition_support;
mod retention;
mod review;
mod review_pages;
mod samples;
mod screens;
mod second_factor;
mod startup;
mod subsidy;
mod tokens;
mod subsidy_pages;
