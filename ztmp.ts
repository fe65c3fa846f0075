import { LlmConfigSchema } from './src/pipeline/llm/config.js';
console.log(JSON.stringify(LlmConfigSchema.parse({endpoints:[{url:'http://127.0.0.1:8000/v1'}]})));
