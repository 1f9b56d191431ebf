import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { instrumentHellosignOAuth } from '../../docs/examples/opentelemetry.js';
import { type OAuthClient, TokenSet } from '../../src/index.js';
import { type MockServer, startMockServer } from '../../src/testing/index.js';
import { makeClient, rejectionOf } from '../support.js';

let server: MockServer;
let spans: InMemorySpanExporter;
let metrics: InMemoryMetricExporter;
let reader: PeriodicExportingMetricReader;
let meters: MeterProvider;
let detach: () => void;

beforeEach(async () => {
  server = await startMockServer({ rotateRefreshTokens: true });
  spans = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }).getTracer('test');
  metrics = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  reader = new PeriodicExportingMetricReader({ exporter: metrics, exportIntervalMillis: 60_000 });
  meters = new MeterProvider({ readers: [reader] });
  detach = instrumentHellosignOAuth(tracer, meters.getMeter('test'));
});

afterEach(async () => {
  detach();
  await meters.shutdown();
  await server.close();
});

function client(): OAuthClient {
  return makeClient(server);
}

function expiredGrant(): { tokens: TokenSet; secrets: string[] } {
  const issued = server.issueTokens();
  return {
    tokens: new TokenSet({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
      expiresAt: new Date(0),
    }),
    secrets: [issued.access_token, issued.refresh_token, server.clientSecret],
  };
}

/** Each metric's data points, by name, after a forced export. */
async function exportedMetrics(): Promise<Map<string, { attributes: Record<string, unknown>; value: unknown }[]>> {
  await reader.forceFlush();
  const out = new Map<string, { attributes: Record<string, unknown>; value: unknown }[]>();
  for (const resource of metrics.getMetrics()) {
    for (const scope of resource.scopeMetrics) {
      for (const metric of scope.metrics) {
        out.set(
          metric.descriptor.name,
          metric.dataPoints.map((point) => ({ attributes: point.attributes, value: point.value })),
        );
      }
    }
  }
  return out;
}

describe('OpenTelemetry example (docs/examples/opentelemetry.ts)', () => {
  it('a session refresh with a 429 retry: a refresh span, its token-request child with attempt events, and metrics', async () => {
    const { tokens, secrets } = expiredGrant();
    const session = client().session(tokens);
    server.inject({ type: '429', retryAfter: 0, operation: 'oauthTokenRefresh' });
    const accessToken = await session.getAccessToken();
    secrets.push(accessToken, session.tokens.refreshToken as string);

    const finished = spans.getFinishedSpans();
    const refresh = finished.find((span) => span.name === 'hellosign-oauth session refresh');
    const request = finished.find((span) => span.name === 'hellosign-oauth oauthTokenRefresh');
    expect(refresh?.attributes).toMatchObject({
      'hellosign_oauth.grant_key': 'session',
      'hellosign_oauth.outcome': 'ok',
    });
    expect(request?.parentSpanContext?.spanId).toBe(refresh?.spanContext().spanId);
    expect(request?.attributes).toMatchObject({
      'hellosign_oauth.operation': 'oauthTokenRefresh',
      'hellosign_oauth.attempts': 2,
      'http.response.status_code': 200,
    });
    expect(request?.events.map((event) => event.attributes)).toEqual([
      expect.objectContaining({
        'hellosign_oauth.attempt': 1,
        'hellosign_oauth.outcome': '429',
        'hellosign_oauth.retry': true,
      }),
      expect.objectContaining({
        'hellosign_oauth.attempt': 2,
        'hellosign_oauth.outcome': '200',
        'hellosign_oauth.retry': false,
      }),
    ]);

    const exported = await exportedMetrics();
    expect(exported.get('hellosign_oauth.attempts')).toEqual(
      expect.arrayContaining([
        { attributes: { operation: 'oauthTokenRefresh', outcome: '429', retry: 'true' }, value: 1 },
        { attributes: { operation: 'oauthTokenRefresh', outcome: '200', retry: 'false' }, value: 1 },
      ]),
    );
    const [duration] = exported.get('hellosign_oauth.token_request.duration') ?? [];
    expect(duration.attributes).toEqual({ operation: 'oauthTokenRefresh', outcome: 'ok' });
    expect((duration.value as { count: number }).count).toBe(1);
    expect(exported.get('hellosign_oauth.rate_limit.remaining')?.[0]?.value).toEqual(expect.any(Number));

    const everything = JSON.stringify([
      finished.map((span) => [span.name, span.attributes, span.events, span.status]),
      [...exported],
    ]);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('a dead grant: an error span and the reauthorization counter', async () => {
    const { tokens, secrets } = expiredGrant();
    server.revokeRefreshToken(tokens.refreshToken as string);
    await rejectionOf(client().refresh(tokens));

    const [request] = spans.getFinishedSpans();
    expect(request.name).toBe('hellosign-oauth oauthTokenRefresh');
    expect(request.status).toEqual({ code: 2, message: 'invalid_grant' });
    expect(request.events.map((event) => event.name)).toEqual(['attempt', 'exception']);
    const exported = await exportedMetrics();
    expect(exported.get('hellosign_oauth.reauthorization_required')).toEqual([
      { attributes: { operation: 'oauthTokenRefresh', code: 'invalid_grant' }, value: 1 },
    ]);
    const everything = JSON.stringify(
      spans.getFinishedSpans().map((span) => [span.attributes, span.events, span.status]),
    );
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('detaching unsubscribes: no more spans', async () => {
    detach();
    await client().refresh(expiredGrant().tokens);
    expect(spans.getFinishedSpans()).toEqual([]);
    detach = () => undefined;
  });
});
