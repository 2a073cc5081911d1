'use client';
import { WhyBlocked } from '@/components/resource/SecuritySections';

export default function Page() {
  return <WhyBlocked />;
}
