import type { CreateSubUserDto } from '../../sub-user.dto';
import type { RequestMeta } from '../../request-meta';

/** Create one sub-user, as POST /v1/sub-users (or one item of a bulk create) asks. */
export interface CreateSubUserCommand {
  dto: CreateSubUserDto;
  meta: RequestMeta;
}
