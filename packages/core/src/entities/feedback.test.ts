import { feedbackArbitrary } from './arbitraries.js';
import { type FeedbackInput, FeedbackSchema } from './feedback.js';
import { describeEntity } from './rule-test-kit.js';

const example: FeedbackInput = {
  id: 'fb_1',
  messageId: 'msg_1',
  userId: null,
  feedbackType: 'comment',
  rating: 4,
  comment: 'Clear answer, but the link was missing.',
  timestamp: '2026-03-15T12:05:00Z',
};

describeEntity('Feedback', FeedbackSchema, {
  example,
  arbitrary: feedbackArbitrary(),
  accepted: [
    { title: 'rating 1', change: (f) => ({ ...f, rating: 1 }) },
    { title: 'rating 5', change: (f) => ({ ...f, rating: 5 }) },
    {
      title: 'a bare thumbs up',
      change: ({ rating, comment, ...f }) => ({ ...f, feedbackType: 'thumbs_up' }),
    },
  ],
  rules: [
    ...[0, 6, 3.5, -1].map((rating) => ({
      rule: `rating is a whole number from 1 to 5 (not ${rating})`,
      path: ['rating'],
      message: /must be a whole number from 1 to 5/,
      breakIt: (f: FeedbackInput) => ({ ...f, rating }),
    })),
    {
      rule: 'feedbackType is one of the seed values',
      path: ['feedbackType'],
      message: /must be one of: thumbs_up, thumbs_down, comment/,
      breakIt: (f) => ({ ...f, feedbackType: 'thumbs-up' }),
    },
    {
      rule: 'comment feedback carries a comment',
      path: ['comment'],
      message: /is required when feedbackType is comment/,
      breakIt: ({ comment, ...f }) => ({ ...f, feedbackType: 'comment' }),
    },
    {
      rule: 'a comment is not empty',
      path: ['comment'],
      message: /must not be empty/,
      breakIt: (f) => ({ ...f, comment: '' }),
    },
  ],
});
