// The Helm chart, checked without helm (not packaged for Debian, and nothing else may be
// downloaded here) and without a cluster: its values against its values.schema.json (as helm
// checks them), its templates against its values (every value they name exists, every block
// is closed), and the plain manifests deploy/k8s/ (the chart rendered with values-canary.yaml)
// against the Kubernetes API's JSON schemas (kubernetes-models), the chart's values, the image's
// Dockerfile and the options the service accepts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { execa } from 'execa';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { PROJECT_ROOT } from '../helpers/repo.js';
import { serveFlags } from './serve-flags.js';

const CHART = join(PROJECT_ROOT, 'deploy/helm/dvc-ts-serve');
const MANIFESTS = join(PROJECT_ROOT, 'deploy/k8s');
type Values = Record<string, unknown>;
const readYaml = (file: string) => parseYaml(readFileSync(file, 'utf8')) as Values;

/** Helm's merge of a values file over the chart's: maps merge key by key, the rest is replaced. */
function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    const isMap = (x: unknown): x is Values => typeof x === 'object' && x !== null && !Array.isArray(x);
    out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
  }
  return out;
}

const defaults = readYaml(join(CHART, 'values.yaml'));
const canaryValues = mergeValues(defaults, readYaml(join(CHART, 'values-canary.yaml')));
const at = (values: unknown, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v as Values | undefined)?.[k], values);

/** Kinds the chart renders, each with the model that validates it against the API's schema. */
const MODELS: Record<string, (object: Values) => { validate(): void }> = {
  Deployment: (o) => new Deployment(o as ConstructorParameters<typeof Deployment>[0]),
  Service: (o) => new Service(o as ConstructorParameters<typeof Service>[0]),
};

const KUSTOMIZATION = 'kustomization.yaml';
const manifests = readdirSync(MANIFESTS).filter((f) => f.endsWith('.yaml') && f !== KUSTOMIZATION).flatMap((file) =>
  parseAllDocuments(readFileSync(join(MANIFESTS, file), 'utf8')).map((doc) => ({ file, object: doc.toJS() as Values })));
const byKind = (kind: string) => manifests.find((m) => m.object.kind === kind)!.object;

interface Container {
  args: string[];
  env?: { name: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  resources: unknown;
  securityContext: unknown;
  volumeMounts: { name: string; mountPath: string }[];
}

describe('Helm chart deploy/helm/dvc-ts-serve', () => {
  test('Chart.yaml: a v2 chart named as its folder, at the package version', () => {
    const chart = readYaml(join(CHART, 'Chart.yaml'));
    const { version } = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
    assert.equal(chart.apiVersion, 'v2');
    assert.equal(chart.name, 'dvc-ts-serve');
    assert.equal(chart.appVersion, version);
    assert.match(String(chart.version), /^\d+\.\d+\.\d+$/);
  });

  test('values.schema.json accepts the chart\'s values and the canary\'s, and refuses a share over 1 or no worker', () => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object);
    for (const values of [defaults, canaryValues]) assert.ok(validate(values), JSON.stringify(validate.errors));
    assert.equal(validate(mergeValues(canaryValues, { canary: { share: 1.5 } })), false);
    assert.equal(validate(mergeValues(canaryValues, { workers: 0 })), false);
    assert.equal(validate(mergeValues(canaryValues, { canary: { candidate: '../elsewhere' } })), false, 'the candidate folder is a plain name, inside the volume');
  });

  test('templates: every value they name is in values.yaml, every block is closed', () => {
    const dir = join(CHART, 'templates');
    for (const file of readdirSync(dir)) {
      const template = readFileSync(join(dir, file), 'utf8');
      for (const [, path] of template.matchAll(/\.Values\.([A-Za-z0-9_.]+)/g)) assert.notEqual(at(defaults, path!), undefined, `${file}: .Values.${path} is not in values.yaml`);
      const opened = template.match(/\{\{-?\s*(if|range|with|define)\b/g)?.length ?? 0;
      const closed = template.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
      assert.equal(opened, closed, `${file}: ${opened} block(s) opened, ${closed} closed`);
    }
  });
});

describe('plain manifests deploy/k8s (the chart with values-canary.yaml)', () => {
  test('each is valid against the Kubernetes API schema of its kind', () => {
    assert.deepEqual(manifests.map((m) => m.object.kind).sort(), Object.keys(MODELS).sort());
    for (const { file, object } of manifests) assert.doesNotThrow(() => MODELS[String(object.kind)]!(object).validate(), `${file}`);
  });

  test('kubectl kustomize reads them all (kubectl\'s own YAML and object parsing; no cluster needed)', async (t) => {
    const kubectl = await execa('kubectl', ['kustomize', MANIFESTS], { reject: false });
    if ((kubectl as { code?: string }).code === 'ENOENT') return t.skip('kubectl is not installed');
    assert.equal(kubectl.exitCode, 0, String(kubectl.stderr));
    const kustomization = parseYaml(readFileSync(join(MANIFESTS, KUSTOMIZATION), 'utf8')) as { resources: string[] };
    assert.deepEqual([...kustomization.resources].sort(), [...new Set(manifests.map((m) => m.file))].sort(), 'the kustomization lists every manifest');
    const objects = parseAllDocuments(String(kubectl.stdout)).map((d) => d.toJS() as Values);
    assert.deepEqual(objects.map((o) => `${String(o.kind)}/${String(at(o, 'metadata.name'))}`).sort(), manifests.map((m) => `${String(m.object.kind)}/${String(at(m.object, 'metadata.name'))}`).sort());
  });

  test('the Deployment says what the values say', () => {
    const deployment = byKind('Deployment');
    const pod = at(deployment, 'spec.template') as { metadata: { annotations: Record<string, string> }; spec: Values & { containers: Container[] } };
    const c = pod.spec.containers[0]!;
    const arg = (flag: string) => (c.args.includes(flag) ? c.args[c.args.indexOf(flag) + 1] : undefined);
    const v = (path: string) => at(canaryValues, path);
    assert.equal(at(deployment, 'spec.replicas'), v('replicaCount'));
    assert.equal(at(c, 'image'), `${String(v('image.repository'))}:${String(v('image.tag')) || String(readYaml(join(CHART, 'Chart.yaml')).appVersion)}`);
    assert.equal(arg('--workers'), String(v('workers')));
    assert.equal(arg('--port'), String(v('port')));
    assert.equal(arg('--body-limit-mb'), String(v('bodyLimitMb')));
    assert.equal(arg('--canary-share'), String(v('canary.share')));
    assert.equal(arg('--candidate'), `/app/serving/${String(v('canary.candidate'))}`);
    assert.equal(c.ports[0]!.containerPort, v('port'));
    assert.equal(c.livenessProbe.httpGet.path, v('probes.liveness.path'));
    assert.equal(c.readinessProbe.httpGet.path, v('probes.readiness.path'));
    assert.deepEqual(c.env?.find((e) => e.name === 'DVC_TS_SERVE_TOKEN')?.valueFrom?.secretKeyRef, { name: v('auth.existingSecret'), key: v('auth.secretKey') });
    assert.deepEqual(pod.metadata.annotations, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(v('port')), 'prometheus.io/path': v('metrics.path') });
    assert.deepEqual(c.resources, v('resources'));
    assert.deepEqual(c.securityContext, v('securityContext'));
    assert.deepEqual(pod.spec.securityContext, v('podSecurityContext'));
    assert.equal(pod.spec.terminationGracePeriodSeconds, v('terminationGracePeriodSeconds'));
    const volumes = pod.spec.volumes as ({ name: string } & Values)[];
    assert.deepEqual(volumes, [{ name: 'logs', ...(v('logs.volume') as Values) }, { name: 'bundles', ...(v('bundles.volume') as Values) }]);
    assert.deepEqual(c.volumeMounts, [{ name: 'logs', mountPath: '/app/logs' }, { name: 'bundles', mountPath: '/app/serving' }]);
    const service = byKind('Service');
    assert.equal(at(service, 'spec.ports.0.port'), at(defaults, 'service.port'));
    assert.equal(at(service, 'spec.ports.0.targetPort'), c.ports[0]!.name);
    assert.deepEqual(at(service, 'spec.selector'), at(deployment, 'spec.selector.matchLabels'));
    assert.deepEqual(at(deployment, 'spec.template.metadata.labels'), at(deployment, 'spec.selector.matchLabels'));
  });

  test('the container runs the image as built: its user, its paths, options the service accepts', () => {
    const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
    const c = (at(byKind('Deployment'), 'spec.template.spec.containers') as Container[])[0]!;
    const imageUser = /^USER (\d+):(\d+)$/m.exec(dockerfile);
    assert.ok(imageUser, 'the Dockerfile sets a numeric USER');
    assert.equal(at(canaryValues, 'podSecurityContext.runAsUser'), Number(imageUser[1]));
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    for (const flag of ['--bundle', '--reference', '--logs', '--params']) {
      assert.equal(c.args[c.args.indexOf(flag) + 1], cmd[cmd.indexOf(flag) + 1], `${flag}: the chart and the image agree`);
    }
    assert.ok(c.volumeMounts.some((m) => c.args[c.args.indexOf('--logs') + 1] === m.mountPath), 'the logs folder is a volume (the root file system is read-only)');
    assert.deepEqual(c.args.filter((a) => a.startsWith('--') && !serveFlags().has(a)), [], 'options `serve --help` does not list');
  });
});
