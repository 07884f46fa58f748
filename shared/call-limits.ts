/**
 * The longest call Caller Engine places: the upper bound of a request's `maxDurationSeconds`
 * and of MAX_CALL_DURATION_SECONDS. A deploy or scale-in lets a call this long finish, because
 * it is also the media target group's deregistration delay, whose ALB maximum is 3600 s.
 */
export const LONGEST_CALL_SECONDS = 3600;
