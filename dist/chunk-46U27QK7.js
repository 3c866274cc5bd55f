import { createRequire as __createRequire } from 'node:module';
const require = __createRequire(import.meta.url);
import {
  BasicCredentialHandler,
  BearerCredentialHandler,
  PersonalAccessTokenCredentialHandler
} from "./chunk-4AMFLGBT.js";
import "./chunk-NV5WPINZ.js";
export {
  BasicCredentialHandler,
  BearerCredentialHandler,
  PersonalAccessTokenCredentialHandler
};
