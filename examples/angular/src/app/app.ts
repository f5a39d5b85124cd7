import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { RouterLink, RouterOutlet } from '@angular/router';
import { ASSISTANTS_CONFIG } from './assistants.config';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <h1>Math Tutor</h1>
    <p data-testid="mode">
      @if (config.mode === 'server') {
        Server: {{ config.baseURL }}
      } @else {
        Embedded runtime (offline tutor)
      }
    </p>
    <nav><a routerLink="/">Tutor</a><a routerLink="/about">About</a></nav>
    <router-outlet />
  `,
})
export class App {
  protected readonly config = inject(ASSISTANTS_CONFIG);
}
