import type { AxiosAdapter, AxiosResponse, InternalAxiosRequestConfig, RawAxiosRequestConfig } from 'axios';
import type { Dispatcher, Pool } from 'undici';

/** An attempt's axios config: the attempt's timeout signal goes to undici only (see below). */
export interface AttemptConfig extends RawAxiosRequestConfig {
  attemptSignal?: AbortSignal;
}

/**
 * axios's transport over an undici keep-alive Pool (measured on this kind of machine: about 125 µs
 * of CPU per call against about 264 µs for axios's default http adapter; stack notes, item 12).
 *
 * The request goes out as the caller built it: the URL is the pool-relative path with its query,
 * the body an already serialised string (the instance has no transformRequest), and no content
 * type where there is no body (axios would add a form one to a bodyless POST). The answer comes
 * back as text with undici's headers; the instance's `validateStatus` accepts every status, so the
 * caller judges it. A failure is undici's own error, unwrapped, so the caller classifies it exactly
 * as before (ECONNREFUSED: not sent; UND_ERR_SOCKET: dropped...). The attempt's timeout signal is
 * handed to undici and not to axios: axios would replace undici's TimeoutError by its own
 * CanceledError, which says nothing of why.
 */
export function undiciPoolAdapter(pool: Pool): AxiosAdapter {
  return async (config: InternalAxiosRequestConfig): Promise<AxiosResponse<string>> => {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(config.headers.toJSON(true))) {
      if (typeof value === 'string') headers[name.toLowerCase()] = value;
    }
    if (config.data === undefined) delete headers['content-type'];
    const response = await pool.request({
      method: (config.method ?? 'get').toUpperCase() as Dispatcher.HttpMethod,
      path: config.url ?? '/',
      headers,
      ...(config.data !== undefined ? { body: config.data as string } : {}),
      signal: (config as AttemptConfig).attemptSignal,
    });
    const data = await response.body.text();
    return {
      data,
      status: response.statusCode,
      statusText: '',
      headers: response.headers as AxiosResponse['headers'],
      config,
      request: undefined,
    };
  };
}
