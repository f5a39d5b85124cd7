import {
  provideBrowserGlobalErrorListeners,
  provideZonelessChangeDetection,
  type ApplicationConfig,
} from '@angular/core';
import { provideRouter } from '@angular/router';
import { environment } from '../environments/environment';
import { routes } from './app.routes';
import { ASSISTANTS_CONFIG, serverFromUrl } from './assistants.config';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideRouter(routes),
    {
      provide: ASSISTANTS_CONFIG,
      // The environment's choice, unless the address names a local server.
      useFactory: () => serverFromUrl(location.href) ?? environment.assistants,
    },
  ],
};
