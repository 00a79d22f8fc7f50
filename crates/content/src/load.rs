//! Reading the content folder: every file parsed, then checked (see `checks`), with errors that
//! name the file and the field.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::checks::{
    check_campaign, check_giving, check_organisation, check_partners, check_privacy,
    check_statistics, check_story, FieldError,
};
use super::schema::{
    Campaign, Giving, Organisation, PartnersFile, PrivacyNotice, StatisticsFile, Story,
};
use super::{Content, ContentError};
use sharecare_domain::Locale;

/// Reads and checks every content file under `dir`.
pub fn load(dir: &Path) -> Result<Content, ContentError> {
    let organisation: Organisation = read_toml(&dir.join("organisation.toml"))?;
    let campaign: Campaign = read_toml(&dir.join("campaign.toml"))?;
    let StatisticsFile { statistics } = read_toml(&dir.join("statistics.toml"))?;
    let giving: Giving = read_toml(&dir.join("giving.toml"))?;
    let privacy: PrivacyNotice = read_toml(&dir.join("privacy.toml"))?;
    // Optional: a charity without partners has no file.
    let partners_file = dir.join("partners.toml");
    let PartnersFile { partners } = if partners_file.exists() {
        read_toml(&partners_file)?
    } else {
        PartnersFile::default()
    };
    check_partners(&partners).map_err(|e| e.in_file(&partners_file))?;
    let stories_dir = dir.join("stories");
    let mut story_files: Vec<PathBuf> = std::fs::read_dir(&stories_dir)
        .map_err(|e| ContentError {
            file: stories_dir.clone(),
            field: String::new(),
            message: format!("cannot read the stories folder: {e}"),
        })?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    story_files.sort();
    let mut stories = Vec::with_capacity(story_files.len());
    for file in &story_files {
        let story: Story = read_toml(file)?;
        check_story(&story).map_err(|e| e.in_file(file))?;
        stories.push(story);
    }

    check_organisation(&organisation).map_err(|e| e.in_file(&dir.join("organisation.toml")))?;
    check_campaign(&campaign).map_err(|e| e.in_file(&dir.join("campaign.toml")))?;
    check_statistics(&statistics).map_err(|e| e.in_file(&dir.join("statistics.toml")))?;
    check_giving(&giving).map_err(|e| e.in_file(&dir.join("giving.toml")))?;
    check_privacy(&privacy).map_err(|e| e.in_file(&dir.join("privacy.toml")))?;

    let mut slugs = HashSet::new();
    let mut headings = HashSet::new();
    for (story, file) in stories.iter().zip(&story_files) {
        if !slugs.insert(story.slug.as_str()) {
            return Err(FieldError::new(
                "slug",
                format!("\"{}\" is used by another story", story.slug),
            )
            .in_file(file));
        }
        for (locale, heading) in story.give_heading.each() {
            if !headings.insert((locale, heading.as_str())) {
                return Err(FieldError::new(
                    format!("give_heading.{}", locale.code()),
                    format!("\"{heading}\" heads another story's gift form too"),
                )
                .in_file(file));
            }
        }
    }
    if !slugs.contains(organisation.hero_story.as_str()) {
        return Err(FieldError::new(
            "hero_story",
            format!(
                "no story has the slug \"{}\" (stories: {})",
                organisation.hero_story,
                stories
                    .iter()
                    .map(|s| s.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
        .in_file(&dir.join("organisation.toml")));
    }

    Ok(Content {
        organisation,
        campaign,
        statistics,
        stories,
        giving,
        privacy,
        partners,
    })
}

fn read_toml<T: DeserializeOwned>(file: &Path) -> Result<T, ContentError> {
    let error = |field: String, message: String| ContentError {
        file: file.to_path_buf(),
        field,
        message,
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| error(String::new(), format!("cannot read the file: {e}")))?;
    let deserializer = toml::Deserializer::parse(&text)
        .map_err(|e| error(String::new(), describe_toml_error(&text, &e)))?;
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = e.path().to_string();
        let field = if field == "." { String::new() } else { field };
        error(field, describe_toml_error(&text, e.inner()))
    })
}

/// Turns a TOML error into one line for a person: what is wrong, and on which line.
fn describe_toml_error(text: &str, error: &toml::de::Error) -> String {
    let mut message = error.message().trim().to_string();
    if let Some(code) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
        .filter(|code| Locale::from_code(code).is_some())
    {
        message = format!("missing translation \"{code}\"");
    }
    match error.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].lines().count().max(1);
            format!("{message} (line {line})")
        }
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sharecare_domain::money::Currency;

    /// A copy of the real content folder, broken by `edit`, then loaded.
    fn load_edited(edit: impl FnOnce(&Path)) -> Result<Content, ContentError> {
        let dir = tempfile::tempdir().unwrap();
        copy(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../content")
                .as_path(),
            dir.path(),
        );
        edit(dir.path());
        load(dir.path())
    }

    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                std::fs::copy(entry.path(), target).unwrap();
            }
        }
    }

    fn replace(path: PathBuf, from: &str, to: &str) {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{} lacks {from:?}", path.display());
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn assert_error(result: Result<Content, ContentError>, file: &str, field: &str, message: &str) {
        let error = result.expect_err("broken content must be refused");
        assert!(error.file.ends_with(file), "file: {error}");
        assert_eq!(error.field, field, "field: {error}");
        assert!(error.message.contains(message), "message: {error}");
    }

    #[test]
    fn the_shipped_content_is_valid() {
        let content = load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content")).unwrap();
        assert_eq!(content.hero_story().slug, "yiyi");
        assert_eq!(content.statistics.len(), 2);
        assert_eq!(content.organisation.currency(), Currency::Hkd);
        assert!(content.giving.presets.len() >= 3);
    }

    #[test]
    fn giving_rules_are_checked() {
        let result = load_edited(|dir| {
            replace(
                dir.join("giving.toml"),
                "amount_minor_units = 15_000",
                "amount_minor_units = 1_000",
            )
        });
        assert_error(
            result,
            "giving.toml",
            "presets[0].amount_minor_units",
            "between min_minor_units and max_minor_units",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("giving.toml"),
                "default_amount_minor_units = 30_000",
                "default_amount_minor_units = 31_000",
            )
        });
        assert_error(
            result,
            "giving.toml",
            "default_amount_minor_units",
            "one of the presets",
        );
        let result = load_edited(|dir| {
            replace(dir.join("privacy.toml"), "zh-cn = \"捐款人隐私声明\"\n", "")
        });
        assert_error(
            result,
            "privacy.toml",
            "title",
            "missing translation \"zh-cn\"",
        );
    }

    #[test]
    fn a_missing_field_is_named() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "email = \"care@sharecare.org.hk\"\n",
                "",
            )
        });
        assert_error(result, "organisation.toml", "", "missing field `email`");
    }

    #[test]
    fn a_wrong_type_is_named() {
        let result =
            load_edited(|dir| replace(dir.join("stories/yiyi.toml"), "age = 10", "age = \"ten\""));
        assert_error(
            result,
            "stories/yiyi.toml",
            "age",
            "invalid type: string \"ten\"",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("statistics.toml"),
                "value = 6_970_000",
                "value = -5",
            )
        });
        assert_error(
            result,
            "statistics.toml",
            "statistics[0].value",
            "invalid value",
        );
    }

    #[test]
    fn a_missing_translation_is_named() {
        let result = load_edited(|dir| {
            replace(
                dir.join("statistics.toml"),
                "zh-cn = \"内地农村留守儿童，在没有父母一方或双方陪伴下成长\"\n",
                "",
            )
        });
        assert_error(
            result,
            "statistics.toml",
            "statistics[0].label",
            "missing translation \"zh-cn\"",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "zh-hk = \"電話裏的聲音\"\n",
                "",
            );
        });
        assert_error(
            result,
            "stories/yiyi.toml",
            "sections[1].heading",
            "missing translation \"zh-hk\"",
        );
    }

    #[test]
    fn an_empty_translation_is_refused() {
        let result = load_edited(|dir| {
            replace(
                dir.join("campaign.toml"),
                "zh-hk = \"甚麼是留守兒童？\"",
                "zh-hk = \"  \"",
            )
        });
        assert_error(result, "campaign.toml", "title.zh-hk", "must not be empty");
    }

    #[test]
    fn a_misspelt_field_is_refused() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "currency = ",
                "colour = \"red\"\ncurrency = ",
            )
        });
        assert_error(
            result,
            "organisation.toml",
            "colour",
            "unknown field `colour`",
        );
    }

    #[test]
    fn impossible_values_are_refused() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "hero_story = \"yiyi\"",
                "hero_story = \"nobody\"",
            )
        });
        assert_error(
            result,
            "organisation.toml",
            "hero_story",
            "no story has the slug \"nobody\"",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "care@sharecare.org.hk",
                "not-an-email",
            )
        });
        assert_error(
            result,
            "organisation.toml",
            "email",
            "is not an email address",
        );
        let result =
            load_edited(|dir| replace(dir.join("organisation.toml"), "\"HKD\"", "\"USD\""));
        assert_error(
            result,
            "organisation.toml",
            "currency",
            "not a currency the site takes (allowed: HKD)",
        );
        let result = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "slug = \"yiyi\"",
                "slug = \"Yi Yi\"",
            )
        });
        assert_error(result, "stories/yiyi.toml", "slug", "lowercase");
        let result = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "src = \"/images/yiyi.svg\"",
                "src = \"https://stock.example/x.jpg\"",
            )
        });
        assert_error(result, "stories/yiyi.toml", "image.src", "under /images/");
    }

    #[test]
    fn duplicate_story_slugs_are_refused() {
        let result = load_edited(|dir| {
            std::fs::copy(
                dir.join("stories/yiyi.toml"),
                dir.join("stories/yiyi-again.toml"),
            )
            .unwrap();
        });
        assert_error(result, "stories/yiyi.toml", "slug", "used by another story");
    }

    /// Content speaks to readers as 你 in Chinese, as the interface does.
    #[test]
    fn chinese_content_says_ni_and_takes_full_width_punctuation() {
        let result = load_edited(|dir| {
            replace(
                dir.join("campaign.toml"),
                "zh-hk = \"分享你的關懷\"",
                "zh-hk = \"分享您的關懷\"",
            )
        });
        let error = result.expect_err("您 is refused");
        assert!(error.message.contains("你"), "{error}");
        assert!(error.field.ends_with("zh-hk"), "{error}");
        let colon = load_edited(|dir| {
            replace(
                dir.join("stories/lele.toml"),
                "父母遠在他方，他的目光望向星空",
                "父母遠在他方:他的目光望向星空",
            )
        });
        assert_error(colon, "stories/lele.toml", "headline.zh-hk", "half-width");
    }

    /// Each story's gift form has a heading of its own that names whom the story is about.
    #[test]
    fn a_story_gift_heading_names_its_story_and_is_its_own() {
        let unnamed = load_edited(|dir| {
            replace(
                dir.join("stories/lele.toml"),
                "en = \"A gift for Lele,",
                "en = \"A gift for you,",
            )
        });
        assert_error(unnamed, "stories/lele.toml", "give_heading.en", "must name");
        let shared = load_edited(|dir| {
            replace(
                dir.join("stories/yiyi.toml"),
                "zh-hk = \"送給依依和每個像她一樣的孩子\"",
                "zh-hk = \"送給依依和樂樂\"",
            );
            replace(
                dir.join("stories/lele.toml"),
                "zh-hk = \"送給樂樂和每個像他一樣懷着夢想的孩子\"",
                "zh-hk = \"送給依依和樂樂\"",
            );
        });
        assert_error(
            shared,
            "stories/yiyi.toml",
            "give_heading.zh-hk",
            "another story",
        );
    }

    #[test]
    fn a_missing_file_is_named() {
        let result = load_edited(|dir| std::fs::remove_file(dir.join("campaign.toml")).unwrap());
        assert_error(result, "campaign.toml", "", "cannot read the file");
    }

    #[test]
    fn invalid_toml_gives_the_line() {
        let result = load_edited(|dir| {
            replace(
                dir.join("organisation.toml"),
                "currency = \"HKD\"",
                "currency = \"HKD",
            )
        });
        let error = result.unwrap_err();
        assert!(error.file.ends_with("organisation.toml"));
        assert!(error.message.contains("(line "), "{error}");
    }
}
