import OpenAI from 'openai';
import { z } from 'zod';
import { OpenAiProtocolClient } from '../endpoint.js';
import type { ProviderDefinition } from './types.js';

export const AZURE_HOST = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/;

/** Any OpenAI-compatible server: vLLM, the OpenAI API, llama.cpp, proxies. */
export const openaiProvider: ProviderDefinition = {
  kind: 'openai',
  requiresKey: false,
  settings: z.object({
    url: z.string().regex(/^https?:\/\//, 'an http(s) URL ending in the API base, e.g. http://127.0.0.1:8000/v1'),
  }),
  dataUse: (host) => {
    // An Azure resource reached through its OpenAI-compatible v1 path is still Azure.
    if (AZURE_HOST.test(host)) return 'azure';
    return host === 'api.openai.com' || host.endsWith('.openai.com') ? 'public-openai' : 'public';
  },
  create: (endpoint, timing, opts) =>
    new OpenAiProtocolClient(endpoint, timing, opts, {
      connect: (common, key) => new OpenAI({ ...common, baseURL: endpoint.url, apiKey: key }),
      listsModels: true,
      requiresKey: false,
    }),
};
