//! A report as text (for people), JSON (for scripts) and SARIF 2.1.0 (for code scanning).

use serde_json::{Value, json};

use super::{Finding, RULES, Report, Severity};

impl Finding {
    /// `file:line`, or `file` when the line is not known.
    pub fn location(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.file),
            None => self.file.clone(),
        }
    }
}

impl Report {
    /// The summary line: `N errors, N warnings, N info`.
    pub fn summary(&self) -> String {
        format!(
            "{} errors, {} warnings, {} info",
            self.count(Severity::Error),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )
    }

    /// One block per finding, then the summary line.
    ///
    /// ```text
    /// chart/templates/deployment.yaml:30: error[image-tag] Deployment/todo-app/web: `spec.template.spec.containers[0].image`: image `web:latest` uses the tag `latest`
    ///   hint: set a version tag ...
    /// ```
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for f in &self.findings {
            text.push_str(&format!(
                "{}: {}[{}]",
                f.location(),
                f.severity.as_str(),
                f.rule
            ));
            if let Some(resource) = &f.resource {
                text.push_str(&format!(" {resource}"));
            }
            if let Some(field) = &f.field {
                text.push_str(&format!(" `{field}`"));
            }
            text.push_str(&format!(": {}\n  hint: {}\n", f.message, f.hint));
        }
        text.push_str(&self.summary());
        text.push('\n');
        text
    }

    /// The findings as a JSON document, pretty-printed.
    pub fn to_json(&self) -> String {
        let findings: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                json!({
                    "rule": f.rule,
                    "severity": f.severity.as_str(),
                    "resource": f.resource,
                    "field": f.field,
                    "file": f.file,
                    "line": f.line,
                    "message": f.message,
                    "hint": f.hint,
                })
            })
            .collect();
        let document = json!({
            "kubeVersion": self.kube_version,
            "findings": findings,
            "summary": {
                "errors": self.count(Severity::Error),
                "warnings": self.count(Severity::Warning),
                "info": self.count(Severity::Info),
            },
        });
        format!("{document:#}\n")
    }

    /// A SARIF 2.1.0 log with one run: every rule, and one result per finding located at
    /// the template or values file (with its line when known).
    pub fn to_sarif(&self) -> String {
        let level = |s: Severity| match s {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        let rules: Vec<Value> = RULES
            .iter()
            .map(|r| {
                json!({
                    "id": r.id,
                    "name": r.id,
                    "shortDescription": {"text": r.summary},
                    "fullDescription": {"text": r.summary},
                    "help": {"text": r.help, "markdown": format!("**Fix:** {}", r.help)},
                    "defaultConfiguration": {"level": level(r.severity)},
                })
            })
            .collect();
        let results: Vec<Value> = self
            .findings
            .iter()
            .map(|f| {
                let mut physical = json!({
                    "artifactLocation": {"uri": f.file.replace('\\', "/")},
                });
                if let Some(line) = f.line {
                    physical["region"] = json!({"startLine": line});
                }
                let mut location = json!({"physicalLocation": physical});
                if let Some(resource) = &f.resource {
                    let name = match &f.field {
                        Some(field) => format!("{resource}#{field}"),
                        None => resource.clone(),
                    };
                    location["logicalLocations"] =
                        json!([{"fullyQualifiedName": name, "kind": "object"}]);
                }
                let mut text = f.message.clone();
                if let Some(resource) = &f.resource {
                    text = format!("{resource}: {text}");
                }
                json!({
                    "ruleId": f.rule,
                    "ruleIndex": RULES.iter().position(|r| r.id == f.rule),
                    "level": level(f.severity),
                    "message": {"text": format!("{text}\nhint: {}", f.hint)},
                    "locations": [location],
                })
            })
            .collect();
        let log = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "keelson",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }},
                "properties": {"kubeVersion": self.kube_version},
                "results": results,
            }],
        });
        format!("{log:#}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            kube_version: "1.36".into(),
            findings: vec![Finding {
                rule: "image-tag",
                severity: Severity::Error,
                resource: Some("Deployment/ns/web".into()),
                field: Some("spec.template.spec.containers[0].image".into()),
                file: "chart/templates/deployment.yaml".into(),
                line: Some(30),
                message: "image `web:latest` uses the tag `latest`".into(),
                hint: "pin it".into(),
            }],
        }
    }

    #[test]
    fn text_has_location_rule_resource_field_and_summary() {
        assert_eq!(
            report().to_text(),
            "chart/templates/deployment.yaml:30: error[image-tag] Deployment/ns/web `spec.template.spec.containers[0].image`: image `web:latest` uses the tag `latest`\n  hint: pin it\n1 errors, 0 warnings, 0 info\n"
        );
    }

    #[test]
    fn sarif_results_point_at_the_template_and_line() {
        let log: Value = serde_json::from_str(&report().to_sarif()).expect("json");
        let result = &log["runs"][0]["results"][0];
        assert_eq!(result["ruleId"], "image-tag");
        assert_eq!(result["level"], "error");
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(
            physical["artifactLocation"]["uri"],
            "chart/templates/deployment.yaml"
        );
        assert_eq!(physical["region"]["startLine"], 30);
        let index = result["ruleIndex"].as_u64().expect("index");
        assert_eq!(
            log["runs"][0]["tool"]["driver"]["rules"][index as usize]["id"],
            "image-tag"
        );
    }
}
