// The admin API's JSON shapes are declared once, in @gslb/console (the package every reader of the API imports);
// the node builds exactly these.
export type {
  MemberView,
  NodeStatus,
  PoolView,
  ResolverView,
  ServerView,
  ServiceView,
  SiteView,
  TargetView,
} from '@gslb/console'
