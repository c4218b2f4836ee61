// `express4` is a dev-only alias of express@4 (npm:express@4.21.2) used to run the
// conformance suite on Express 4; it has the same public shape as Express 5's types.
declare module 'express4' {
  import express from 'express';
  export default express;
}
