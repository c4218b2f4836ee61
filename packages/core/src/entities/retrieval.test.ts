import { retrievalArbitrary } from './arbitraries.js';
import { type RetrievalInput, RetrievalSchema } from './retrieval.js';
import { describeEntity } from './rule-test-kit.js';

const example: RetrievalInput = {
  id: 'ret_1',
  messageId: 'msg_1',
  chunkId: 'chk_1',
  similarityScore: 0.83,
  rerankScore: 0.91,
  rankPosition: 1,
};

describeEntity('Retrieval', RetrievalSchema, {
  example,
  arbitrary: retrievalArbitrary(),
  accepted: [
    { title: 'similarity -1 (opposite vectors)', change: (r) => ({ ...r, similarityScore: -1 }) },
    { title: 'similarity 1', change: (r) => ({ ...r, similarityScore: 1 }) },
    { title: 'rerank score 0', change: (r) => ({ ...r, rerankScore: 0 }) },
    { title: 'rerank score 1', change: (r) => ({ ...r, rerankScore: 1 }) },
  ],
  rules: [
    {
      rule: 'similarityScore is at most 1',
      path: ['similarityScore'],
      message: /must be between -1 and 1/,
      breakIt: (r) => ({ ...r, similarityScore: 1.5 }),
    },
    {
      rule: 'similarityScore is at least -1',
      path: ['similarityScore'],
      message: /must be between -1 and 1/,
      breakIt: (r) => ({ ...r, similarityScore: -1.01 }),
    },
    {
      rule: 'rerankScore is at least 0',
      path: ['rerankScore'],
      message: /must be between 0 and 1/,
      breakIt: (r) => ({ ...r, rerankScore: -0.2 }),
    },
    {
      rule: 'rerankScore is at most 1',
      path: ['rerankScore'],
      message: /must be between 0 and 1/,
      breakIt: (r) => ({ ...r, rerankScore: 7.3 }),
    },
    {
      rule: 'rankPosition starts at 1',
      path: ['rankPosition'],
      message: /must be a whole number, 1 or more/,
      breakIt: (r) => ({ ...r, rankPosition: 0 }),
    },
    {
      rule: 'rankPosition is a whole number',
      path: ['rankPosition'],
      message: /must be a whole number, 1 or more/,
      breakIt: (r) => ({ ...r, rankPosition: 1.5 }),
    },
  ],
});
