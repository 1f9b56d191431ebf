export interface RecordedRequest {
  method: string | undefined;
  url: string | undefined;
  userAgent: string | undefined;
  body: Record<string, unknown>;
}

export interface TokenServer {
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export function startTokenServer(): Promise<TokenServer>;
