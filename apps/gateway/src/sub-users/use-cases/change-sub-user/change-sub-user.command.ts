import type { RequestMeta } from '../../request-meta';
import type { UpdateSubUserDto } from '../../sub-user.dto';

/** Change one sub-user, as PATCH /v1/sub-users/:id (or one item of a bulk update) asks. */
export interface ChangeSubUserCommand {
  id: string;
  dto: UpdateSubUserDto;
  /** The If-Match header: the change applies only to that version. */
  ifMatch?: string;
  meta: RequestMeta;
}
