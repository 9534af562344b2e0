//! The deployment rules, one function per rule. Each reads objects as kubectl would (JSON
//! from the YAML 1.1 reading) and pushes findings; none stops the others.

use serde_json::{Map, Value};

use super::kube::{self, Outcome};
use super::quantity;
use super::{FieldPath, Finding, Severity};
use crate::{Manifest, Release};

/// Kinds whose `spec.template` is a pod template.
const TEMPLATED: [&str; 6] = [
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
];

/// Kinds that run forever, so need probes.
const LONG_RUNNING: [&str; 3] = ["Deployment", "StatefulSet", "DaemonSet"];

/// Largest ConfigMap or Secret the API server stores.
const MAX_CONFIG_BYTES: usize = 1024 * 1024;

/// One rendered object, with what the rules need to report on it.
struct Object<'a> {
    manifest: &'a Manifest,
    json: Value,
    /// Display path of the template.
    file: String,
    /// The template's source text and its rendered output, to place findings on a line.
    source: Option<&'a str>,
    output: Option<&'a str>,
}

/// A pod template inside an object: where it is and what it holds.
struct Pod<'a> {
    path: FieldPath,
    labels: Option<&'a Map<String, Value>>,
    spec: &'a Map<String, Value>,
}

impl Object<'_> {
    fn id(&self) -> String {
        self.manifest.id()
    }

    fn kind(&self) -> &str {
        &self.manifest.kind
    }

    fn namespace(&self) -> Option<&str> {
        self.manifest.namespace.as_deref()
    }

    fn at(&self, path: &FieldPath) -> Option<&Value> {
        let mut value = &self.json;
        for segment in &path.0 {
            value = match segment {
                super::Segment::Key(k) => value.get(k)?,
                super::Segment::Index(i) => value.get(i)?,
            };
        }
        Some(value)
    }

    /// The line in the template source that most likely wrote `path`.
    fn line(&self, path: &FieldPath) -> Option<usize> {
        let mark = path.mark_in(self.manifest.node()?);
        let rendered = self.output?.lines().nth(mark.line.checked_sub(1)?)?;
        let source = self.source?;
        let wanted = rendered.trim().trim_start_matches("- ");
        let unique = |matches: &mut dyn Iterator<Item = usize>| {
            let first = matches.next()?;
            matches.next().is_none().then_some(first + 1)
        };
        let exact = unique(
            &mut source
                .lines()
                .enumerate()
                .filter(|(_, l)| l.trim().trim_start_matches("- ") == wanted)
                .map(|(i, _)| i),
        );
        exact.or_else(|| {
            let key = wanted.split_once(':')?.0;
            if key.is_empty() {
                return None;
            }
            let prefix = format!("{key}:");
            unique(
                &mut source
                    .lines()
                    .enumerate()
                    .filter(|(_, l)| l.trim().trim_start_matches("- ").starts_with(&prefix))
                    .map(|(i, _)| i),
            )
        })
    }

    fn finding(
        &self,
        rule: &'static str,
        path: &FieldPath,
        message: String,
        hint: String,
    ) -> Finding {
        Finding {
            rule,
            severity: super::rule(rule).map_or(Severity::Error, |r| r.severity),
            resource: Some(self.id()),
            field: (!path.0.is_empty()).then(|| path.to_string()),
            file: self.file.clone(),
            line: self.line(path),
            message,
            hint,
        }
    }

    fn pod(&self) -> Option<Pod<'_>> {
        let path = match self.kind() {
            k if TEMPLATED.contains(&k) => FieldPath::parse("spec.template"),
            "CronJob" => FieldPath::parse("spec.jobTemplate.spec.template"),
            "Pod" => FieldPath::root(),
            _ => return None,
        };
        let template = self.at(&path)?;
        Some(Pod {
            labels: template
                .get("metadata")
                .and_then(|m| m.get("labels"))
                .and_then(Value::as_object),
            spec: template.get("spec")?.as_object()?,
            path: path.key("spec"),
        })
    }
}

/// Every container of a pod spec (init containers too), with its path.
fn containers<'a>(pod: &'a Pod<'_>) -> Vec<(FieldPath, &'a Map<String, Value>)> {
    let mut out = Vec::new();
    for list in ["initContainers", "containers"] {
        if let Some(Value::Array(items)) = pod.spec.get(list) {
            for (i, item) in items.iter().enumerate() {
                if let Some(c) = item.as_object() {
                    out.push((pod.path.key(list).index(i), c));
                }
            }
        }
    }
    out
}

/// Runs every rule on every object of `release`.
pub fn check(release: &Release, schema: &kube::Schema, out: &mut Vec<Finding>) {
    let objects: Vec<Object<'_>> = release
        .manifests
        .hooks
        .iter()
        .chain(&release.manifests.resources)
        .map(|manifest| Object {
            manifest,
            json: manifest.to_kubectl_json(),
            file: release.chart.display_path(&manifest.source),
            source: release
                .chart
                .file(&manifest.source)
                .and_then(|b| std::str::from_utf8(b).ok()),
            output: release
                .rendered
                .templates
                .iter()
                .find(|t| t.path == manifest.source)
                .map(|t| t.output.as_str()),
        })
        .collect();
    for object in &objects {
        kube_schema(object, schema, out);
        dns_name(object, out);
        name_label(object, out);
        hook_annotations(object, out);
        replicas(object, out);
        rolling_update(object, out);
        selector_labels(object, out);
        config_data(object, out);
        hpa(object, &objects, out);
        service(object, &objects, out);
        if let Some(pod) = object.pod() {
            image_tag(object, &pod, out);
            container_ports(object, &pod, out);
            resources(object, &pod, out);
            probes(object, &pod, out);
            security(object, &pod, out);
            env_refs(object, &pod, &objects, out);
        }
    }
}

fn kube_schema(object: &Object<'_>, schema: &kube::Schema, out: &mut Vec<Finding>) {
    let manifest = object.manifest;
    match schema.check(&manifest.api_version, &manifest.kind, &object.json) {
        Outcome::Checked(issues) => {
            for issue in issues {
                out.push(object.finding("kube-schema", &issue.path, issue.message, issue.hint));
            }
        }
        Outcome::UnknownKind => out.push(object.finding(
            "unknown-kind",
            &FieldPath::parse("kind"),
            format!(
                "`{}` `{}` is not a built-in kind of Kubernetes {}; it is not schema-checked",
                manifest.api_version, manifest.kind, schema.version
            ),
            "install its CustomResourceDefinition before this object; check the spelling if it is meant to be built in".into(),
        )),
    }
}

fn is_dns_subdomain(name: &str) -> bool {
    name.split('.').all(crate::chart::is_dns1123_label) && name.len() <= 253
}

fn dns_name(object: &Object<'_>, out: &mut Vec<Finding>) {
    let name = &object.manifest.name;
    let path = FieldPath::parse("metadata.name");
    // RBAC objects are named by path segments (`system:controller`), not DNS names.
    let rbac = object.manifest.group() == "rbac.authorization.k8s.io";
    if !rbac && (!is_dns_subdomain(name) || name.len() > 63) {
        out.push(object.finding(
            "dns-name",
            &path,
            format!(
                "name `{name}` is not a DNS-1123 name of at most 63 characters ({} characters)",
                name.len()
            ),
            "use lowercase letters, digits and `-`, starting and ending with a letter or digit; shorten long generated names with `trunc(length=63)`".into(),
        ));
    } else if object.kind() == "Service" && !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        out.push(object.finding(
            "dns-name",
            &path,
            format!("Service name `{name}` must start with a letter (DNS-1035)"),
            "prefix the name with a letter, e.g. the release name".into(),
        ));
    }
    if let Some(pod) = object.pod() {
        for (path, container) in containers(&pod) {
            if let Some(name) = container.get("name").and_then(Value::as_str)
                && !crate::chart::is_dns1123_label(name)
            {
                out.push(object.finding(
                    "dns-name",
                    &path.key("name"),
                    format!("container name `{name}` is not a DNS-1123 label"),
                    "use at most 63 lowercase letters, digits and `-`".into(),
                ));
            }
        }
    }
}

fn name_label(object: &Object<'_>, out: &mut Vec<Finding>) {
    let labels = object
        .at(&FieldPath::parse("metadata.labels"))
        .and_then(Value::as_object);
    let has = |key: &str| labels.is_some_and(|l| l.contains_key(key));
    if !has("app.kubernetes.io/name") && !has("app") {
        out.push(object.finding(
            "name-label",
            &FieldPath::parse("metadata.labels"),
            "the object has neither the `app.kubernetes.io/name` nor the `app` label".into(),
            "add `app.kubernetes.io/name: <chart name>` to `metadata.labels` (a shared labels component keeps every object in step)".into(),
        ));
    }
}

fn hook_annotations(object: &Object<'_>, out: &mut Vec<Finding>) {
    const POLICIES: [&str; 3] = ["before-hook-creation", "hook-succeeded", "hook-failed"];
    if let Some(problem) = &object.manifest.hook_problem {
        let annotation = if problem.contains("hook-weight") {
            "helm.sh/hook-weight"
        } else {
            "helm.sh/hook"
        };
        out.push(object.finding(
            "hook-annotations",
            &FieldPath::parse("metadata.annotations").key(annotation),
            problem.clone(),
            "name known events (`pre-install`, `post-upgrade`, ...) and a quoted integer weight; `render` refuses the object until then".into(),
        ));
    }
    let path = FieldPath::parse("metadata.annotations").key("helm.sh/hook-delete-policy");
    let Some(policy) = object.at(&path) else {
        return;
    };
    let Some(text) = policy.as_str() else {
        out.push(object.finding(
            "hook-annotations",
            &path,
            "`helm.sh/hook-delete-policy` must be a string".into(),
            "quote it".into(),
        ));
        return;
    };
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !POLICIES.contains(&item) {
            out.push(object.finding(
                "hook-annotations",
                &path,
                format!("`helm.sh/hook-delete-policy` names the unknown policy `{item}`"),
                format!("use {}", POLICIES.map(|p| format!("`{p}`")).join(", ")),
            ));
        }
    }
    if object.manifest.hook.is_none() {
        out.push(object.finding(
            "hook-annotations",
            &path,
            "`helm.sh/hook-delete-policy` is set but the object is not a hook".into(),
            "add `helm.sh/hook: <events>` or remove the delete policy".into(),
        ));
    }
}

fn replicas(object: &Object<'_>, out: &mut Vec<Finding>) {
    if !matches!(
        object.kind(),
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
    ) {
        return;
    }
    let path = FieldPath::parse("spec.replicas");
    if let Some(n) = object.at(&path).and_then(Value::as_i64)
        && n < 1
    {
        out.push(object.finding(
            "replicas",
            &path,
            format!("`spec.replicas` is {n}; the workload would run no pods"),
            "set `replicas` to 1 or more (remove the object, or disable it in values, to scale to zero)".into(),
        ));
    }
}

/// Whether an int-or-percent is zero (`0`, `"0"`, `"0%"`).
fn is_zero(value: &Value) -> bool {
    match value {
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s
            .trim_end_matches('%')
            .parse::<f64>()
            .is_ok_and(|v| v == 0.0),
        _ => false,
    }
}

fn rolling_update(object: &Object<'_>, out: &mut Vec<Finding>) {
    if object.kind() != "Deployment" {
        return;
    }
    let strategy = FieldPath::parse("spec.strategy");
    let kind = object
        .at(&strategy.key("type"))
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if kind != "RollingUpdate" {
        out.push(object.finding(
            "rolling-update",
            &strategy.key("type"),
            format!("strategy `{kind}` stops every pod before starting new ones: the update has downtime"),
            "use `strategy.type: RollingUpdate` with `maxSurge: 1` and `maxUnavailable: 0`".into(),
        ));
        return;
    }
    let rolling = strategy.key("rollingUpdate");
    // Both default to 25%.
    let surge_zero = object.at(&rolling.key("maxSurge")).is_some_and(is_zero);
    let unavailable_zero = object
        .at(&rolling.key("maxUnavailable"))
        .is_some_and(is_zero);
    if surge_zero && unavailable_zero {
        out.push(
            object.finding(
                "rolling-update",
                &rolling,
                "`maxSurge` and `maxUnavailable` are both 0: the rollout can never make progress"
                    .into(),
                "set `maxSurge: 1` (new pods first) or `maxUnavailable: 1`".into(),
            ),
        );
    }
}

/// Whether `selector` (a LabelSelector) selects pods with `labels`.
fn selects(selector: &Value, labels: Option<&Map<String, Value>>) -> bool {
    let label = |key: &str| labels.and_then(|l| l.get(key)).and_then(Value::as_str);
    let match_labels = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_none_or(|wanted| {
            wanted
                .iter()
                .all(|(k, v)| v.as_str().is_some_and(|v| label(k) == Some(v)))
        });
    let expressions = selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .is_none_or(|list| {
            list.iter().all(|e| {
                let key = e.get("key").and_then(Value::as_str).unwrap_or_default();
                let values: Vec<&str> = e
                    .get("values")
                    .and_then(Value::as_array)
                    .map(|v| v.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                match e.get("operator").and_then(Value::as_str) {
                    Some("In") => label(key).is_some_and(|v| values.contains(&v)),
                    Some("NotIn") => label(key).is_none_or(|v| !values.contains(&v)),
                    Some("Exists") => label(key).is_some(),
                    Some("DoesNotExist") => label(key).is_none(),
                    _ => false,
                }
            })
        });
    match_labels && expressions
}

fn selector_labels(object: &Object<'_>, out: &mut Vec<Finding>) {
    if !TEMPLATED.contains(&object.kind()) || object.kind() == "Job" {
        return;
    }
    let path = FieldPath::parse("spec.selector");
    let (Some(selector), Some(pod)) = (object.at(&path), object.pod()) else {
        return;
    };
    if !selects(selector, pod.labels) {
        out.push(object.finding(
            "selector-labels",
            &path,
            "`spec.selector` does not match the labels of `spec.template.metadata.labels`: the workload would never own its pods".into(),
            "render the selector and the pod labels from the same values (e.g. one selector-labels component)".into(),
        ));
    }
}

fn config_data(object: &Object<'_>, out: &mut Vec<Finding>) {
    let secret = match object.kind() {
        "Secret" => true,
        "ConfigMap" => false,
        _ => return,
    };
    let mut total = 0usize;
    for field in ["data", "binaryData", "stringData"] {
        let path = FieldPath::root().key(field);
        let Some(map) = object.at(&path).and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in map {
            let valid_key = !key.is_empty()
                && key.len() <= 253
                && key != "."
                && key != ".."
                && key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !valid_key {
                out.push(object.finding(
                    "config-data",
                    &path.key(key),
                    format!("key `{key}` is not a valid {} key", object.kind()),
                    "keys may hold only letters, digits, `-`, `_` and `.` (environment-style names like `API_URL` work)".into(),
                ));
            }
            let text = value.as_str().unwrap_or_default();
            let encoded = field == "binaryData" || (secret && field == "data");
            total += key.len();
            if encoded {
                use base64::Engine as _;
                match base64::engine::general_purpose::STANDARD.decode(text) {
                    Ok(bytes) => total += bytes.len(),
                    Err(_) => {
                        total += text.len();
                        out.push(object.finding(
                            "config-data",
                            &path.key(key),
                            format!("`{field}.{key}` is not valid base64"),
                            "encode the value with the `b64encode` filter, or move it to `stringData` as plain text".into(),
                        ));
                    }
                }
            } else {
                total += text.len();
            }
        }
    }
    if total > MAX_CONFIG_BYTES {
        out.push(object.finding(
            "config-data",
            &FieldPath::root(),
            format!(
                "the {} holds {total} bytes of data; Kubernetes stores at most 1 MiB ({MAX_CONFIG_BYTES} bytes)",
                object.kind()
            ),
            "split the data over several objects or mount it from a volume".into(),
        ));
    }
}

/// Objects of `kind` named `name` in `namespace` the release renders.
fn find<'a, 'b>(
    objects: &'a [Object<'b>],
    kind: &str,
    name: &str,
    namespace: Option<&str>,
) -> Option<&'a Object<'b>> {
    objects
        .iter()
        .find(|o| o.kind() == kind && o.manifest.name == name && o.namespace() == namespace)
}

fn hpa(object: &Object<'_>, objects: &[Object<'_>], out: &mut Vec<Finding>) {
    if object.kind() != "HorizontalPodAutoscaler" {
        return;
    }
    let spec = FieldPath::parse("spec");
    let min = object
        .at(&spec.key("minReplicas"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    if let Some(max) = object.at(&spec.key("maxReplicas")).and_then(Value::as_i64)
        && min > max
    {
        out.push(object.finding(
            "hpa",
            &spec.key("minReplicas"),
            format!("`minReplicas` ({min}) is greater than `maxReplicas` ({max})"),
            "lower `minReplicas` or raise `maxReplicas`".into(),
        ));
    }
    let target = spec.key("scaleTargetRef");
    let kind = object
        .at(&target.key("kind"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = object
        .at(&target.key("name"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    if find(objects, kind, name, object.namespace()).is_none() {
        let workloads: Vec<String> = objects
            .iter()
            .filter(|o| matches!(o.kind(), "Deployment" | "StatefulSet" | "ReplicaSet"))
            .filter(|o| o.namespace() == object.namespace())
            .map(|o| format!("`{}/{}`", o.kind(), o.manifest.name))
            .collect();
        out.push(object.finding(
            "hpa",
            &target,
            format!("`scaleTargetRef` names `{kind}/{name}`, which the release does not render"),
            if workloads.is_empty() {
                "the release renders no workload to scale".into()
            } else {
                format!("the release renders {}", workloads.join(", "))
            },
        ));
    }
    let has_metric = object
        .at(&spec.key("metrics"))
        .and_then(Value::as_array)
        .is_some_and(|m| !m.is_empty())
        || object
            .at(&spec.key("targetCPUUtilizationPercentage"))
            .is_some();
    if !has_metric {
        out.push(object.finding(
            "hpa",
            &spec,
            "the autoscaler defines no metric".into(),
            "add a `metrics` entry, e.g. `type: Resource` on `cpu` with `averageUtilization: 70`".into(),
        ));
    }
}

fn port_number(value: &Value) -> Option<i64> {
    value.as_i64()
}

fn check_port(object: &Object<'_>, path: &FieldPath, out: &mut Vec<Finding>) {
    if let Some(port) = object.at(path).and_then(port_number)
        && !(1..=65535).contains(&port)
    {
        out.push(object.finding(
            "port-range",
            path,
            format!("`{path}` is {port}; ports are 1-65535"),
            "use a port between 1 and 65535".into(),
        ));
    }
}

fn container_ports(object: &Object<'_>, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    for (path, container) in containers(pod) {
        let Some(Value::Array(ports)) = container.get("ports") else {
            continue;
        };
        for i in 0..ports.len() {
            let at = path.key("ports").index(i);
            check_port(object, &at.key("containerPort"), out);
            check_port(object, &at.key("hostPort"), out);
        }
    }
}

/// The pod templates in the release that `selector` selects, in `namespace`.
fn selected<'a>(
    objects: &'a [Object<'a>],
    selector: &Map<String, Value>,
    namespace: Option<&str>,
) -> Vec<(&'a Object<'a>, Pod<'a>)> {
    let selector = serde_json::json!({ "matchLabels": selector });
    objects
        .iter()
        .filter(|o| o.namespace() == namespace)
        .filter_map(|o| Some((o, o.pod()?)))
        .filter(|(_, pod)| pod.labels.is_some() && selects(&selector, pod.labels))
        .collect()
}

fn service(object: &Object<'_>, objects: &[Object<'_>], out: &mut Vec<Finding>) {
    if object.kind() != "Service" {
        return;
    }
    let spec = FieldPath::parse("spec");
    let kind = object
        .at(&spec.key("type"))
        .and_then(Value::as_str)
        .unwrap_or("ClusterIP");
    if kind == "ExternalName" {
        return;
    }
    let ports = object
        .at(&spec.key("ports"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    for i in 0..ports {
        let at = spec.key("ports").index(i);
        check_port(object, &at.key("port"), out);
        check_port(object, &at.key("targetPort"), out);
        if let Some(node_port) = object.at(&at.key("nodePort")).and_then(Value::as_i64) {
            if !matches!(kind, "NodePort" | "LoadBalancer") {
                out.push(object.finding(
                    "port-range",
                    &at.key("nodePort"),
                    format!("`nodePort` is set on a `{kind}` Service"),
                    "use `type: NodePort` (or `LoadBalancer`), or drop the nodePort".into(),
                ));
            } else if !(30000..=32767).contains(&node_port) {
                out.push(object.finding(
                    "port-range",
                    &at.key("nodePort"),
                    format!("`nodePort` is {node_port}; NodePorts are 30000-32767"),
                    "pick a nodePort between 30000 and 32767, or leave it out to get one assigned".into(),
                ));
            }
        }
    }
    let Some(selector) = object
        .at(&spec.key("selector"))
        .and_then(Value::as_object)
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    let pods = selected(objects, selector, object.namespace());
    if pods.is_empty() {
        let shown: Vec<String> = selector
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
            .collect();
        out.push(object.finding(
            "service-selector",
            &spec.key("selector"),
            format!(
                "the selector `{}` matches no pod template in the release",
                shown.join(",")
            ),
            "use the labels of the workload's `spec.template.metadata.labels` as the Service selector".into(),
        ));
        return;
    }
    for i in 0..ports {
        let at = spec.key("ports").index(i);
        let target = object
            .at(&at.key("targetPort"))
            .or_else(|| object.at(&at.key("port")));
        let Some(target) = target else { continue };
        let found = pods.iter().any(|(_, pod)| {
            containers(pod).iter().any(|(_, c)| {
                c.get("ports")
                    .and_then(Value::as_array)
                    .is_some_and(|ports| {
                        ports.iter().any(|p| match target {
                            Value::String(name) => match name.parse::<i64>() {
                                Ok(n) => p.get("containerPort").and_then(Value::as_i64) == Some(n),
                                Err(_) => p.get("name").and_then(Value::as_str) == Some(name),
                            },
                            other => {
                                p.get("containerPort").and_then(Value::as_i64) == other.as_i64()
                            }
                        })
                    })
            })
        });
        if !found {
            let shown = match target {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let workloads: Vec<String> =
                pods.iter().map(|(o, _)| format!("`{}`", o.id())).collect();
            out.push(object.finding(
                "service-target-port",
                &at.key("targetPort"),
                format!(
                    "target port `{shown}` is not a container port of the selected pods ({})",
                    workloads.join(", ")
                ),
                "declare the port on the container (`ports: [{name: http, containerPort: N}]`) and target it by name or number".into(),
            ));
        }
    }
}

fn image_tag(object: &Object<'_>, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    for (path, container) in containers(pod) {
        let Some(image) = container.get("image").and_then(Value::as_str) else {
            continue;
        };
        if image.contains('@') {
            continue;
        }
        let last = image.rsplit('/').next().unwrap_or(image);
        let problem = match last.split_once(':') {
            None => Some(format!("image `{image}` has no tag, which means `latest`")),
            Some((_, "latest")) => Some(format!("image `{image}` uses the tag `latest`")),
            Some((_, tag)) => {
                let valid = tag.len() <= 128
                    && tag.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                    && tag
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'));
                (!valid).then(|| format!("image `{image}` has the invalid tag `{tag}`"))
            }
        };
        if let Some(message) = problem {
            out.push(object.finding(
                "image-tag",
                &path.key("image"),
                message,
                "set a version tag (`repo:3.0.0`) or pin a digest (`repo@sha256:...`) so every node runs the same image".into(),
            ));
        }
    }
}

fn resources(object: &Object<'_>, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    for (path, container) in containers(pod) {
        let res = path.key("resources");
        let get = |kind: &str, name: &str| {
            container
                .get("resources")
                .and_then(|r| r.get(kind))
                .and_then(|r| r.get(name))
        };
        for name in ["cpu", "memory"] {
            let mut parsed = Vec::new();
            for kind in ["requests", "limits"] {
                let at = res.key(kind).key(name);
                match get(kind, name) {
                    None => out.push(object.finding(
                        "resources",
                        &at,
                        format!("`{at}` is not set"),
                        format!(
                            "set `resources.{kind}.{name}` (e.g. {}) so the scheduler and the kubelet can plan for the container",
                            if name == "cpu" { "`250m`" } else { "`256Mi`" }
                        ),
                    )),
                    Some(value) => {
                        let text = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        match quantity::parse(&text) {
                            Some(q) if !q.is_negative() => parsed.push((kind, text, q)),
                            _ => out.push(object.finding(
                                "requests-exceed-limits",
                                &at,
                                format!("`{at}` is `{text}`, which is not a Kubernetes quantity"),
                                "write e.g. `250m` or `0.5` for cpu, `128Mi` or `1Gi` for memory".into(),
                            )),
                        }
                    }
                }
            }
            if let [("requests", request, rq), ("limits", limit, lq)] = parsed.as_slice()
                && rq > lq
            {
                out.push(object.finding(
                    "requests-exceed-limits",
                    &res.key("requests").key(name),
                    format!("the {name} request `{request}` is more than the limit `{limit}`"),
                    format!("lower `requests.{name}` to at most `{limit}`, or raise the limit"),
                ));
            }
        }
    }
}

fn probes(object: &Object<'_>, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    if !LONG_RUNNING.contains(&object.kind()) {
        return;
    }
    let Some(Value::Array(list)) = pod.spec.get("containers") else {
        return;
    };
    for i in 0..list.len() {
        let path = pod.path.key("containers").index(i);
        for probe in ["livenessProbe", "readinessProbe"] {
            if object.at(&path.key(probe)).is_none() {
                out.push(object.finding(
                    "probes",
                    &path.key(probe),
                    format!("container has no `{probe}`"),
                    format!(
                        "add `{probe}` (e.g. `httpGet: {{path: /health, port: http}}`) so Kubernetes {}",
                        if probe == "livenessProbe" {
                            "restarts it when it hangs"
                        } else {
                            "only sends it traffic when it is ready"
                        }
                    ),
                ));
            }
        }
    }
}

fn security(object: &Object<'_>, pod: &Pod<'_>, out: &mut Vec<Finding>) {
    let pod_context = pod.spec.get("securityContext");
    let from_pod = |field: &str| pod_context.and_then(|c| c.get(field));
    for (path, container) in containers(pod) {
        let context = container.get("securityContext");
        let field = |name: &str| context.and_then(|c| c.get(name)).or_else(|| from_pod(name));
        let non_root = field("runAsNonRoot").and_then(Value::as_bool) == Some(true);
        let user = field("runAsUser").and_then(Value::as_i64);
        let at = path.key("securityContext");
        match user {
            Some(0) => out.push(object.finding(
                "run-as-non-root",
                &at.key("runAsUser"),
                "the container runs as root (`runAsUser: 0`)".into(),
                "run as an unprivileged user: `runAsUser: 1000` and `runAsNonRoot: true`".into(),
            )),
            Some(uid) if uid < 1000 && !non_root => out.push(object.finding(
                "run-as-non-root",
                &at.key("runAsUser"),
                format!("the container runs as the system user {uid} without `runAsNonRoot: true`"),
                "use a UID of 1000 or more, or set `runAsNonRoot: true`".into(),
            )),
            None if !non_root => out.push(object.finding(
                "run-as-non-root",
                &at,
                "nothing stops the container from running as root: neither the pod nor the container sets `runAsNonRoot: true` or `runAsUser`".into(),
                "set `securityContext: {runAsNonRoot: true, runAsUser: 1000}` on the pod".into(),
            )),
            _ => {}
        }
        if context
            .and_then(|c| c.get("privileged"))
            .and_then(Value::as_bool)
            == Some(true)
        {
            out.push(object.finding(
                "privileged",
                &at.key("privileged"),
                "the container is privileged: it has full access to the node".into(),
                "remove `privileged: true`; add only the capabilities it needs under `capabilities.add`".into(),
            ));
        }
    }
}

fn env_refs(object: &Object<'_>, pod: &Pod<'_>, objects: &[Object<'_>], out: &mut Vec<Finding>) {
    let namespace = object.namespace();
    let mut check = |path: FieldPath,
                     reference: &Value,
                     kind: &str,
                     name_field: &str,
                     key: Option<&str>| {
        if reference.get("optional").and_then(Value::as_bool) == Some(true) {
            return;
        }
        let Some(name) = reference.get(name_field).and_then(Value::as_str) else {
            return;
        };
        let Some(target) = find(objects, kind, name, namespace) else {
            let known: Vec<String> = objects
                .iter()
                .filter(|o| o.kind() == kind && o.namespace() == namespace)
                .map(|o| format!("`{}`", o.manifest.name))
                .collect();
            out.push(object.finding(
                "env-refs",
                &path.key(name_field),
                format!("{kind} `{name}` is not rendered by the release"),
                if known.is_empty() {
                    format!("the release renders no {kind}; render it, or mark the reference `optional: true`")
                } else {
                    format!("the release renders {kind} {}; fix the name or mark the reference `optional: true`", known.join(", "))
                },
            ));
            return;
        };
        if let Some(key) = key {
            let has = ["data", "binaryData", "stringData"]
                .iter()
                .any(|f| target.json.get(f).and_then(|d| d.get(key)).is_some());
            if !has {
                out.push(object.finding(
                    "env-refs",
                    &path.key("key"),
                    format!("{kind} `{name}` has no key `{key}`"),
                    format!("add `{key}` to the {kind}, fix the key, or mark the reference `optional: true`"),
                ));
            }
        }
    };
    for (path, container) in containers(pod) {
        if let Some(Value::Array(env)) = container.get("env") {
            for (i, var) in env.iter().enumerate() {
                let at = path.key("env").index(i).key("valueFrom");
                let Some(from) = var.get("valueFrom") else {
                    continue;
                };
                for (field, kind) in [("secretKeyRef", "Secret"), ("configMapKeyRef", "ConfigMap")]
                {
                    if let Some(reference) = from.get(field) {
                        let key = reference.get("key").and_then(Value::as_str);
                        check(at.key(field), reference, kind, "name", key);
                    }
                }
            }
        }
        if let Some(Value::Array(sources)) = container.get("envFrom") {
            for (i, source) in sources.iter().enumerate() {
                let at = path.key("envFrom").index(i);
                for (field, kind) in [("secretRef", "Secret"), ("configMapRef", "ConfigMap")] {
                    if let Some(reference) = source.get(field) {
                        check(at.key(field), reference, kind, "name", None);
                    }
                }
            }
        }
    }
    if let Some(Value::Array(volumes)) = pod.spec.get("volumes") {
        for (i, volume) in volumes.iter().enumerate() {
            let at = pod.path.key("volumes").index(i);
            for (field, kind, name_field) in [
                ("secret", "Secret", "secretName"),
                ("configMap", "ConfigMap", "name"),
            ] {
                let Some(reference) = volume.get(field) else {
                    continue;
                };
                check(at.key(field), reference, kind, name_field, None);
                let exists = reference
                    .get(name_field)
                    .and_then(Value::as_str)
                    .is_some_and(|name| find(objects, kind, name, namespace).is_some());
                if exists && let Some(Value::Array(items)) = reference.get("items") {
                    for (j, item) in items.iter().enumerate() {
                        if let Some(key) = item.get("key").and_then(Value::as_str) {
                            check(
                                at.key(field).key("items").index(j),
                                &with_name(reference, item, name_field),
                                kind,
                                name_field,
                                Some(key),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// A reference carrying the volume's name and optionality, for checking one item's key.
fn with_name(reference: &Value, item: &Value, name_field: &str) -> Value {
    let mut map = item.as_object().cloned().unwrap_or_default();
    for field in [name_field, "optional"] {
        if let Some(v) = reference.get(field) {
            map.insert(field.to_owned(), v.clone());
        }
    }
    Value::Object(map)
}
