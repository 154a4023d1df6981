/** The end-to-end tests start the Playground exactly as `npm start` does. */
export { startPlayground, type Playground, type PlaygroundOptions } from '../../src/playground.js';
