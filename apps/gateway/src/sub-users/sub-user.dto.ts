// The sub-user API's DTOs, one file per direction (input, queries, answers).
export * from './dto/sub-user-input.dto';
export * from './dto/sub-user-query.dto';
export * from './dto/sub-user-view.dto';
export * from './dto/sub-user-bulk.dto';
