import type { Routes } from '@angular/router';
import { About } from './about';
import { Tutor } from './tutor';

export const routes: Routes = [
  { path: '', component: Tutor, title: 'Math Tutor' },
  { path: 'about', component: About, title: 'About' },
];
