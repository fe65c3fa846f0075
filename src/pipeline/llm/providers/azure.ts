import OpenAI, { AzureOpenAI } from 'openai';
import { z } from 'zod';
import { OpenAiProtocolClient } from '../endpoint.js';
import type { ProviderDefinition } from './types.js';

/**
 * Azure OpenAI: the resource endpoint with a deployment, either the dated API
 * (`api-version`) or the v1 API (`/openai/v1`). Deployments are not listed, so
 * the preflight checks key and deployment with a one-token request.
 */
export const azureProvider: ProviderDefinition = {
  kind: 'azure',
  requiresKey: true,
  settings: z.object({
    url: z.string().regex(/^https?:\/\//, 'the resource endpoint, e.g. https://NAME.openai.azure.com'),
    deployment: z.string().min(1).nullable(),
    /** A dated version (2024-10-21, 2025-04-01-preview), or null for the v1 API. */
    apiVersion: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'a dated api-version like 2024-10-21 (or leave it out for the v1 API)')
      .nullable(),
  }),
  dataUse: () => 'azure',
  create: (endpoint, timing, opts) =>
    new OpenAiProtocolClient(endpoint, timing, opts, {
      connect: (common, key) => {
        const base = endpoint.url.replace(/\/$/, '');
        if (endpoint.apiVersion)
          return new AzureOpenAI({
            ...common,
            endpoint: base,
            apiVersion: endpoint.apiVersion,
            deployment: endpoint.deployment ?? undefined,
            apiKey: key,
          });
        return new OpenAI({
          ...common,
          baseURL: `${base}/openai/v1/`,
          apiKey: key,
          defaultHeaders: { 'api-key': key },
        });
      },
      listsModels: false,
      requiresKey: true,
      modelFor: (model) => endpoint.deployment ?? model,
    }),
};
