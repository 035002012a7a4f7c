// Offline validation of deploy/ and the Dockerfile (ctest deploy_manifests):
//
// - every YAML document under deploy/ parses, and is a kind this test knows;
// - core objects (Deployment, Service, Secret, HorizontalPodAutoscaler, ...)
//   pass kubernetes-models' validators (the Kubernetes OpenAPI schema: types,
//   required fields; it does not reject unknown fields);
// - SpinApp and SpinAppExecutor pass ajv against spinkube.schema.json (from
//   spin-operator's CRDs; unknown fields are errors), their volumes and
//   mounts pass kubernetes-models' Volume and VolumeMount;
// - what spindle needs in a pod: readiness and liveness on
//   /.well-known/spin/health, non-root, read-only root filesystem with
//   writable /cache, /tmp and state folder, a grace period that covers the
//   SIGTERM drain (--shutdown-delay longer than the readiness probe takes
//   to notice), and references that resolve (Services, HPAs, Secrets,
//   executors);
// - every flag of the `spindle up` command lines (the Deployments' args, the
//   arguments spin-operator gives a spinImage executor, the Dockerfile's CMD,
//   the image's scripts) is one `spindle up --help` lists, so the manifests
//   and docs cannot drift from the binary.
//
// node validate.mjs --source <repo> --spindle <spindle binary> [--deploy <dir>]
// Prints one line per problem and exits 1 when there is any.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import { parseAllDocuments } from "yaml";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { Service } from "kubernetes-models/v1/Service";
import { Secret } from "kubernetes-models/v1/Secret";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { Volume } from "kubernetes-models/v1/Volume";
import { VolumeMount } from "kubernetes-models/v1/VolumeMount";

const HEALTH = "/.well-known/spin/health";
// spin-operator's arguments for a spinImage executor
// (internal/controller/spinapp_controller.go, constructDeployment).
const OPERATOR_PORT = 80;
const operatorArgs = (app) => [
  "up", "--listen", `0.0.0.0:${OPERATOR_PORT}`, "-f", app.spec.image,
  "--runtime-config-file", "/runtime-config.toml",
  ...(app.spec.components ?? []).flatMap((c) => ["--component-id", c]),
];

function args() {
  const a = process.argv.slice(2);
  const o = {};
  for (let i = 0; i < a.length; i += 2) {
    if (!a[i].startsWith("--") || a[i + 1] === undefined) {
      console.error(`usage: node validate.mjs --source <repo> --spindle <binary> [--deploy <dir>] (at \`${a[i]}\`)`);
      process.exit(2);
    }
    o[a[i].slice(2)] = a[i + 1];
  }
  if (!o.source || !o.spindle) {
    console.error("usage: node validate.mjs --source <repo> --spindle <binary> [--deploy <dir>]");
    process.exit(2);
  }
  o.deploy ??= path.join(o.source, "deploy");
  return o;
}

const opts = args();
const problems = [];
const problem = (where, what) => problems.push(`${where}: ${what}`);

function yamlFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...yamlFiles(p));
    else if (/\.ya?ml$/.test(name)) out.push(p);
  }
  return out;
}

// ---- load ------------------------------------------------------------------
const docs = []; // { where, obj }
const files = yamlFiles(opts.deploy);
if (files.length === 0) problem(opts.deploy, "no YAML files");
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const rel = path.relative(opts.source, file);
  for (const doc of parseAllDocuments(text, { prettyErrors: true })) {
    const line = doc.contents ? text.slice(0, doc.contents.range[0]).split("\n").length : 1;
    const where = `${rel}:${line}`;
    if (doc.errors.length) {
      for (const e of doc.errors) problem(rel, `YAML: ${e.message}`);
      continue;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) continue; // an empty document
    if (typeof obj !== "object" || Array.isArray(obj)) {
      problem(where, "a document is not a Kubernetes object");
      continue;
    }
    docs.push({ where: `${where} (${obj.kind ?? "?"} ${obj.metadata?.name ?? "?"})`, obj });
  }
}

// ---- schemas ---------------------------------------------------------------
const core = {
  "apps/v1 Deployment": Deployment,
  "v1 Service": Service,
  "v1 Secret": Secret,
  "v1 ConfigMap": ConfigMap,
  "autoscaling/v2 HorizontalPodAutoscaler": HorizontalPodAutoscaler,
};
const here = path.dirname(fileURLToPath(import.meta.url));
const schema = JSON.parse(readFileSync(path.join(here, "spinkube.schema.json"), "utf8"));
const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false });
ajv.addSchema(schema);
const spinkube = {
  "core.spinkube.dev/v1alpha1 SpinApp": ajv.getSchema(`${schema.$id}#/definitions/SpinApp`),
  "core.spinkube.dev/v1alpha1 SpinAppExecutor": ajv.getSchema(`${schema.$id}#/definitions/SpinAppExecutor`),
};

function kubeValidate(where, Model, value) {
  try {
    new Model(value).validate();
    return true;
  } catch (e) {
    problem(where, e.message.replace(/\s+/g, " "));
    return false;
  }
}

const valid = [];
for (const d of docs) {
  const key = `${d.obj.apiVersion} ${d.obj.kind}`;
  if (core[key]) {
    if (kubeValidate(d.where, core[key], d.obj)) valid.push(d);
  } else if (spinkube[key]) {
    const check = spinkube[key];
    if (!check(d.obj)) {
      // A `not` inside a oneOf only repeats what the oneOf's own error says.
      const errors = check.errors.filter((e) => e.keyword !== "not" ||
        !check.errors.some((o) => o.keyword === "oneOf" && o.instancePath === e.instancePath));
      for (const e of errors)
        problem(d.where, `${e.instancePath || "/"} ${e.message}` +
          (e.params?.additionalProperty ? `: \`${e.params.additionalProperty}\`` : "") +
          (e.parentSchema?.description ? ` (${e.parentSchema.description})` : ""));
      continue;
    }
    let ok = true;
    for (const [i, v] of (d.obj.spec.volumes ?? []).entries())
      ok = kubeValidate(`${d.where} spec.volumes[${i}]`, Volume, v) && ok;
    for (const [i, m] of (d.obj.spec.volumeMounts ?? []).entries())
      ok = kubeValidate(`${d.where} spec.volumeMounts[${i}]`, VolumeMount, m) && ok;
    if (ok) valid.push(d);
  } else {
    problem(d.where, `unknown kind \`${key}\` (this test knows ${[...Object.keys(core), ...Object.keys(spinkube)].join(", ")})`);
  }
}

const all = (kind) => valid.filter((d) => d.obj.kind === kind);
const named = (kind, name) => all(kind).find((d) => d.obj.metadata.name === name);

// ---- spindle's flags -------------------------------------------------------
let help = "";
try {
  help = execFileSync(opts.spindle, ["up", "--help"], { encoding: "utf8" });
} catch (e) {
  problem(opts.spindle, `\`spindle up --help\` failed: ${e.message}`);
}
const flags = new Set(help.match(/(?<![\w-])--?[A-Za-z][\w-]*/g) ?? []);
if (help && !flags.has("--listen")) problem(opts.spindle, "`spindle up --help` lists no --listen: cannot read its flags");

// `argv` is the argument list after the executable.
function checkUpArgs(where, argv) {
  if (argv[0] !== "up") {
    problem(where, `the command is \`${argv[0]}\`, expected \`up\``);
    return;
  }
  for (const a of argv.slice(1)) {
    if (!a.startsWith("-")) continue;
    const flag = a.split("=")[0];
    if (!flags.has(flag)) problem(where, `\`${flag}\` is not a flag of \`spindle up\` (spindle up --help)`);
  }
}
const flagValue = (argv, ...names) => {
  for (let i = 0; i < argv.length; ++i) {
    for (const n of names) {
      if (argv[i] === n) return argv[i + 1];
      if (argv[i].startsWith(`${n}=`)) return argv[i].slice(n.length + 1);
    }
  }
  return undefined;
};
const seconds = (s) => {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s ?? "");
  if (!m) return undefined;
  return Number(m[1]) * ({ ms: 0.001, s: 1, m: 60 }[m[2] ?? "s"]);
};

// ---- what a spindle pod needs ----------------------------------------------
const isSpindleImage = (image) => /(^|\/)spindle(:|@|$)/.test(image ?? "");
const secretHasKey = (name, key) => {
  const s = named("Secret", name);
  return s && (key in (s.obj.stringData ?? {}) || key in (s.obj.data ?? {}));
};

function checkProbe(where, probe, kind, ports) {
  if (!probe) return problem(where, `no ${kind}Probe`);
  if (!probe.httpGet) return problem(where, `${kind}Probe is not an httpGet`);
  if (probe.httpGet.path !== HEALTH)
    problem(where, `${kind}Probe path is \`${probe.httpGet.path ?? "(none)"}\`, expected ${HEALTH}`);
  if (!ports.includes(probe.httpGet.port)) problem(where, `${kind}Probe port \`${probe.httpGet.port}\` is not a port of the container`);
}

for (const d of all("Deployment")) {
  const pod = d.obj.spec.template.spec;
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const podLabels = d.obj.spec.template.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(d.obj.spec.selector.matchLabels ?? {}))
    if (podLabels[k] !== v) problem(d.where, `selector ${k}=${v} does not match the pod template's labels`);
  for (const v of volumes.values()) {
    if (v.secret && !named("Secret", v.secret.secretName) && !v.secret.optional)
      problem(d.where, `volume \`${v.name}\` uses Secret \`${v.secret.secretName}\`, which deploy/ does not define`);
    for (const item of v.secret?.items ?? [])
      if (named("Secret", v.secret.secretName) && !secretHasKey(v.secret.secretName, item.key))
        problem(d.where, `volume \`${v.name}\`: Secret \`${v.secret.secretName}\` has no key \`${item.key}\``);
  }
  for (const c of pod.containers) {
    const where = `${d.where} container ${c.name}`;
    const ports = (c.ports ?? []).flatMap((p) => [p.containerPort, p.name].filter((x) => x !== undefined));
    if (!c.readinessProbe) problem(where, "no readinessProbe");
    if (!c.livenessProbe) problem(where, "no livenessProbe");
    const nonRoot = c.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
    if (nonRoot !== true) problem(where, "runAsNonRoot is not true");
    if (c.securityContext?.readOnlyRootFilesystem !== true) problem(where, "readOnlyRootFilesystem is not true");
    if (c.securityContext?.allowPrivilegeEscalation !== false) problem(where, "allowPrivilegeEscalation is not false");
    for (const m of c.volumeMounts ?? [])
      if (!volumes.has(m.name)) problem(where, `mount \`${m.mountPath}\` uses volume \`${m.name}\`, which the pod does not have`);
    if (!isSpindleImage(c.image)) continue;

    // spindle: health probes, its command line, writable folders, drain.
    checkProbe(where, c.readinessProbe, "readiness", ports);
    checkProbe(where, c.livenessProbe, "liveness", ports);
    const argv = c.args ?? [];
    checkUpArgs(`${where} args`, argv);
    const listen = flagValue(argv, "--listen");
    const port = Number(/:(\d+)$/.exec(listen ?? "")?.[1]);
    if (!listen) problem(where, "no --listen in args (the default 127.0.0.1:3000 is not reachable from outside the pod)");
    else if (!(c.ports ?? []).some((p) => p.containerPort === port))
      problem(where, `--listen ${listen}: port ${port} is not a containerPort`);
    const rc = flagValue(argv, "--runtime-config-file");
    if (rc && !(c.volumeMounts ?? []).some((m) => m.mountPath === rc))
      problem(where, `--runtime-config-file ${rc} is not mounted`);
    const writable = ["/cache", "/tmp", flagValue(argv, "--state-dir")];
    if (!flagValue(argv, "--state-dir")) problem(where, "no --state-dir: the default (.spin beside the app) is on the read-only root filesystem");
    for (const dir of writable.filter(Boolean)) {
      const m = (c.volumeMounts ?? []).find((m) => m.mountPath === dir);
      if (!m || m.readOnly) problem(where, `${dir} must be a writable mount (the root filesystem is read-only)`);
      else if (!volumes.get(m.name)?.emptyDir && !volumes.get(m.name)?.persistentVolumeClaim)
        problem(where, `${dir} is not on an emptyDir or a persistent volume`);
    }
    // SIGTERM: --shutdown-delay (health 503), then requests in flight
    // finish within --timeout; a preStop sleep comes before both.
    const timeout = seconds(flagValue(argv, "--timeout") ?? "30s");
    const delay = seconds(flagValue(argv, "--shutdown-delay") ?? "0s");
    const preStop = c.lifecycle?.preStop?.exec?.command;
    const sleep = preStop && /sleep$/.test(preStop[0]) ? Number(preStop[1]) : 0;
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    const rp = c.readinessProbe ?? {};
    const detection = (rp.periodSeconds ?? 10) * (rp.failureThreshold ?? 3);
    if (timeout === undefined || delay === undefined)
      problem(where, "--timeout or --shutdown-delay is not a duration");
    else {
      if (grace < sleep + delay + timeout)
        problem(where, `terminationGracePeriodSeconds ${grace} < preStop ${sleep}s + --shutdown-delay ${delay}s + --timeout ${timeout}s: a draining request can be killed`);
      if (sleep + delay <= detection)
        problem(where, `preStop ${sleep}s + --shutdown-delay ${delay}s is not longer than the readiness probe's detection time (${rp.periodSeconds ?? 10}s × ${rp.failureThreshold ?? 3}): the Service still sends requests when spindle stops accepting`);
    }
  }
}

for (const d of all("Service")) {
  const sel = d.obj.spec.selector ?? {};
  const targets = all("Deployment").filter((dep) =>
    Object.entries(sel).every(([k, v]) => dep.obj.spec.template.metadata?.labels?.[k] === v));
  if (targets.length === 0) {
    problem(d.where, "its selector matches no Deployment in deploy/");
    continue;
  }
  for (const p of d.obj.spec.ports) {
    const target = p.targetPort ?? p.port;
    const found = targets.some((dep) => dep.obj.spec.template.spec.containers.some((c) =>
      (c.ports ?? []).some((cp) => cp.name === target || cp.containerPort === target)));
    if (!found) problem(d.where, `targetPort \`${target}\` is not a port of the selected pods`);
  }
}

for (const d of all("HorizontalPodAutoscaler")) {
  const ref = d.obj.spec.scaleTargetRef;
  if (ref.kind !== "Deployment" || !named("Deployment", ref.name))
    problem(d.where, `scaleTargetRef ${ref.kind}/${ref.name} is not a Deployment in deploy/`);
  if ((d.obj.spec.minReplicas ?? 1) > d.obj.spec.maxReplicas) problem(d.where, "minReplicas > maxReplicas");
}

for (const d of all("SpinAppExecutor")) {
  const cfg = d.obj.spec.deploymentConfig ?? {};
  if (!isSpindleImage(cfg.spinImage)) problem(d.where, `spinImage \`${cfg.spinImage}\` is not the spindle image`);
  if (cfg.runtimeClassName) problem(d.where, "runtimeClassName is set: the spindle image runs as an ordinary container");
}

for (const d of all("SpinApp")) {
  const spec = d.obj.spec;
  const executor = named("SpinAppExecutor", spec.executor);
  if (!executor) problem(d.where, `executor \`${spec.executor}\` is not a SpinAppExecutor in deploy/`);
  else checkUpArgs(`${d.where} (as spin-operator runs it with ${executor.where})`, operatorArgs(d.obj));
  const secret = spec.runtimeConfig?.loadFromSecret;
  if (secret && !secretHasKey(secret, "runtime-config.toml"))
    problem(d.where, `runtimeConfig.loadFromSecret: deploy/ has no Secret \`${secret}\` with the key runtime-config.toml`);
  for (const kind of ["readiness", "liveness"]) {
    const probe = spec.checks?.[kind];
    if (!probe) problem(d.where, `no checks.${kind}`);
    else if (probe.httpGet?.path !== HEALTH)
      problem(d.where, `checks.${kind} path is \`${probe.httpGet?.path}\`, expected ${HEALTH}`);
  }
  const vols = new Set((spec.volumes ?? []).map((v) => v.name));
  for (const m of spec.volumeMounts ?? [])
    if (!vols.has(m.name)) problem(d.where, `volumeMount \`${m.mountPath}\` uses volume \`${m.name}\`, which spec.volumes does not have`);
}

// ---- the Dockerfile and the image's scripts --------------------------------
const dockerfilePath = path.join(opts.source, "Dockerfile");
const dockerfile = readFileSync(dockerfilePath, "utf8").replace(/\\\n/g, " ");
const instruction = (name) => {
  const lines = dockerfile.split("\n").filter((l) => l.startsWith(`${name} `));
  return lines.at(-1)?.slice(name.length + 1).trim();
};
const execForm = (name) => {
  const v = instruction(name);
  try {
    const a = JSON.parse(v);
    if (Array.isArray(a) && a.every((x) => typeof x === "string")) return a;
  } catch {}
  problem("Dockerfile", `${name} is not in exec (JSON array) form: ${v}`);
  return [];
};
const entrypoint = execForm("ENTRYPOINT");
const cmd = execForm("CMD");
checkUpArgs("Dockerfile CMD", cmd);
// ENTRYPOINT is the entrypoint script, which must exec spindle with the
// arguments unchanged (what SpinKube's executor passes).
const copies = new Map();
for (const m of dockerfile.matchAll(/^COPY (?!--from)(\S+) (\S+)$/gm)) copies.set(m[2], m[1]);
const script = copies.get(entrypoint[0]);
if (!script) problem("Dockerfile", `ENTRYPOINT ${entrypoint[0]} is not a file the Dockerfile copies from the repository`);
else if (!/^exec \/usr\/local\/bin\/spindle "\$@"$/m.test(readFileSync(path.join(opts.source, script), "utf8")))
  problem(script, 'does not end in `exec /usr/local/bin/spindle "$@"`');
if (!/^COPY --from=build \S+ \/usr\/local\/bin\/spindle$/m.test(dockerfile))
  problem("Dockerfile", "does not install the binary as /usr/local/bin/spindle");
for (const src of copies.values()) if (src !== "." && !existsSync(path.join(opts.source, src))) problem("Dockerfile", `COPY ${src}: no such file`);
// `spindle up ...` in the image's shell scripts.
for (const s of copies.values()) {
  if (!s.startsWith("deploy/")) continue;
  const text = readFileSync(path.join(opts.source, s), "utf8").replace(/\\\n/g, " ");
  for (const m of text.matchAll(/^\s*(?:\S+=\S+\s+)*spindle (up\b[^>&|;\n]*)/gm))
    checkUpArgs(`${s} (spindle ${m[1].trim()})`, m[1].trim().split(/\s+/).map((t) => t.replace(/^"|"$/g, "")));
}

// ---- report ----------------------------------------------------------------
for (const p of problems) console.log(p);
const count = (k) => valid.filter((d) => d.obj.kind === k).length;
console.log(`${problems.length === 0 ? "ok" : "FAILED"}: ${files.length} files, ${docs.length} objects ` +
  `(${["Deployment", "Service", "Secret", "HorizontalPodAutoscaler", "SpinApp", "SpinAppExecutor"].map((k) => `${count(k)} ${k}`).join(", ")}), ` +
  `${flags.size} spindle up flags, ${problems.length} problem${problems.length === 1 ? "" : "s"}`);
process.exit(problems.length === 0 ? 0 : 1);
