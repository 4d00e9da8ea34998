// Public surface of the app services layer: ReactiveControllers that gadgets use.
export { OnlineStatusController } from './online-status-controller';
export { RouteController } from './route-controller';
