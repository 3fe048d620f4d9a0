import { z } from 'zod';

/**
 * Request and response shapes of the HubSpot endpoints Kindling calls, written from HubSpot's OpenAPI
 * descriptions (Auth/Oauth v1, CRM/Contacts v3, CRM/Tasks v3, CRM/Properties v3, Automation/Sequences
 * v4). The sandbox validates every request with them; Kindling's tests use them to check that what it
 * sends is what HubSpot accepts.
 */
export const tokenRequestSchema = z.discriminatedUnion('grant_type', [
  z.object({ grant_type: z.literal('authorization_code'), client_id: z.string().min(1), client_secret: z.string().min(1), redirect_uri: z.string().min(1), code: z.string().min(1), code_verifier: z.string().optional() }),
  z.object({ grant_type: z.literal('refresh_token'), client_id: z.string().min(1), client_secret: z.string().min(1), refresh_token: z.string().min(1), redirect_uri: z.string().optional() }),
]);

export const tokenResponseSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  expires_in: z.number().int(),
  token_type: z.string(),
  token_use: z.literal('access_token'),
  hub_id: z.number().int().optional(),
  scopes: z.array(z.string()).optional(),
});

export const accessTokenInfoSchema = z.object({
  token: z.string(),
  user: z.string().optional(),
  hub_domain: z.string().optional(),
  scopes: z.array(z.string()),
  hub_id: z.number().int(),
  app_id: z.number().int(),
  expires_in: z.number().int(),
  user_id: z.number().int(),
  token_type: z.string(),
});

/** HubSpot: properties are written as strings. At most 100 inputs per batch. */
const propertyValues = z.record(z.string(), z.string());

export const batchUpdateSchema = z.object({
  inputs: z.array(z.object({ id: z.string().min(1), idProperty: z.string().optional(), objectWriteTraceId: z.string().optional(), properties: propertyValues })).min(1).max(100),
});

export const batchReadSchema = z.object({
  inputs: z.array(z.object({ id: z.string().min(1) })).min(1).max(100),
  properties: z.array(z.string()),
  propertiesWithHistory: z.array(z.string()),
  idProperty: z.string().optional(),
});

export const associationSpecSchema = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'INTEGRATOR_DEFINED', 'USER_DEFINED', 'WORK']),
  associationTypeId: z.number().int(),
});

export const batchCreateSchema = z.object({
  inputs: z
    .array(z.object({ properties: propertyValues, associations: z.array(z.object({ to: z.object({ id: z.string().min(1) }), types: z.array(associationSpecSchema).min(1) })), objectWriteTraceId: z.string().optional() }))
    .min(1)
    .max(100),
});

export const searchSchema = z.object({
  filterGroups: z.array(z.object({ filters: z.array(z.object({ propertyName: z.string(), operator: z.string(), value: z.string().optional(), values: z.array(z.string()).optional() })) })).max(5),
  properties: z.array(z.string()).optional(),
  limit: z.number().int().max(200).optional(),
  after: z.string().optional(),
  sorts: z.array(z.unknown()).optional(),
});

export const propertyCreateSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  label: z.string().min(1),
  type: z.enum(['bool', 'date', 'datetime', 'enumeration', 'number', 'phone_number', 'string']),
  fieldType: z.enum(['booleancheckbox', 'calculation_equation', 'checkbox', 'date', 'file', 'html', 'number', 'phonenumber', 'radio', 'select', 'text', 'textarea']),
  groupName: z.string().min(1),
  description: z.string().optional(),
  options: z.array(z.object({ label: z.string(), value: z.string(), displayOrder: z.number().optional(), hidden: z.boolean().optional(), description: z.string().optional() })).optional(),
  displayOrder: z.number().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
});

export const propertyGroupCreateSchema = z.object({ name: z.string().regex(/^[a-z][a-z0-9_]*$/), label: z.string().min(1), displayOrder: z.number().optional() });

export const sequenceEnrollmentSchema = z.object({ contactId: z.string().min(1), sequenceId: z.string().min(1), senderEmail: z.string().email(), senderAliasAddress: z.string().optional() });

// Responses, as HubSpot's descriptions require them: the sandbox answers through these, and its contract
// test reads every answer back through them.
const dateTime = z.iso.datetime({ offset: true });

/** HubSpot's `Error`: what a failed call answers (4xx, 5xx), with `ErrorDetail` items. */
export const errorSchema = z.object({
  category: z.string(),
  correlationId: z.string(),
  message: z.string(),
  status: z.string().optional(),
  subCategory: z.string().optional(),
  context: z.record(z.string(), z.array(z.string())).optional(),
  links: z.record(z.string(), z.string()).optional(),
  errors: z.array(z.object({ message: z.string(), code: z.string().optional(), in: z.string().optional(), subCategory: z.string().optional(), context: z.record(z.string(), z.array(z.string())).optional() })).optional(),
});

/** CRM/Contacts v3 `StandardError`: each item of a batch's `errors`. */
export const standardErrorSchema = z.object({
  status: z.string(),
  category: z.string(),
  message: z.string(),
  context: z.record(z.string(), z.array(z.string())),
  errors: z.array(z.unknown()),
  links: z.record(z.string(), z.string()),
  id: z.string().optional(),
  subCategory: z.unknown().optional(),
});

/** CRM v3 `SimplePublicObject`: every property value a string or null. */
export const simplePublicObjectSchema = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: dateTime,
  updatedAt: dateTime,
  archived: z.boolean(),
  archivedAt: dateTime.optional(),
  /** Echoes the input's trace id, how a client pairs a batch's results with its inputs. */
  objectWriteTraceId: z.string().optional(),
});

/** `BatchResponseSimplePublicObject` (200) and `…WithErrors` (207): the second adds `numErrors` and `errors`. */
export const batchResponseSchema = z.object({
  status: z.enum(['CANCELED', 'COMPLETE', 'PENDING', 'PROCESSING']),
  results: z.array(simplePublicObjectSchema),
  startedAt: dateTime,
  completedAt: dateTime,
  requestedAt: dateTime.optional(),
  links: z.record(z.string(), z.string()).optional(),
  numErrors: z.number().int().optional(),
  errors: z.array(standardErrorSchema).optional(),
});

/** CRM/Properties v3 `CollectionResponsePropertyNoPaging`. */
export const propertyListSchema = z.object({
  results: z.array(z.object({
    name: z.string(), label: z.string(), type: z.string(), fieldType: z.string(), groupName: z.string(), description: z.string(),
    options: z.array(z.object({ label: z.string(), value: z.string(), displayOrder: z.number().int().optional(), hidden: z.boolean().optional() })),
    calculated: z.boolean().optional(),
    modificationMetadata: z.object({ archivable: z.boolean(), readOnlyDefinition: z.boolean(), readOnlyValue: z.boolean(), readOnlyOptions: z.boolean().optional() }).optional(),
  })),
});

/** Automation/Sequences v4 `CollectionResponseWithTotalPublicSequenceLiteResponse`. */
export const sequenceListSchema = z.object({
  total: z.number().int(),
  results: z.array(z.object({ id: z.string(), name: z.string(), userId: z.string(), createdAt: dateTime, updatedAt: dateTime, folderId: z.string().optional() })),
});

/** `PublicSequenceEnrollmentLiteResponse`: what an enrollment call answers. */
export const enrollmentLiteSchema = z.object({ id: z.string(), toEmail: z.string(), enrolledAt: dateTime, updatedAt: dateTime });

/** `PublicSequenceEnrollmentResponse`: a contact's enrollment, read back. */
export const enrollmentSchema = enrollmentLiteSchema.extend({ sequenceId: z.string(), sequenceName: z.string(), enrolledBy: z.string(), enrolledByEmail: z.string() });
