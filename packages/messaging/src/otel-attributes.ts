/** The meter's (instrumentation scope's) name. */
export const SCOPE = '@palisade/messaging';
/** The name attribute of every messaging series and span event. */
export const ATTR_NAME = 'palisade.messaging.name';
