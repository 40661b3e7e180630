import { installLambdaGlobals } from "./lambdaStreaming.js";

// Imported for its effect, before any family handler: a streaming handler's module calls
// `awslambda.streamifyResponse` when it is loaded, as Lambda's Node.js runtime lets it (lambdaStreaming.ts).
installLambdaGlobals();
